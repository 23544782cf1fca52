import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { ComponentServiceAccount } from '../common/pod-template';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { PREFECT_PATHS } from './environment';
import { redisEndpoints } from './connections';
import { PrefectRuntime } from './prefect-runtime';
import { ResolvedPrefectTier } from './resolve';

/**
 * Prefect's background services (scheduler, late runs, event persister, task-run recorder, …) in their own
 * Deployment of exactly one replica: the task-run recorder deadlocks with two (PrefectHQ/prefect #21716), so the
 * rollout strategy is Recreate and there is no replica setting.
 */
export class PrefectBackgroundServices extends Construct {
  constructor(scope: Construct, id: string, bg: ResolvedPrefectTier['backgroundServices'], rt: PrefectRuntime) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const labels = componentLabels({
      instance: ctx.instance,
      name: 'prefect',
      component: 'background-services',
      version: rt.settings.version,
      tier: 'backend',
    });
    new ComponentServiceAccount(this, 'ServiceAccount', { name: bg.serviceAccountName, labels, pod: bg.pod });
    // The process has no HTTP port: the probe checks that it is alive and its event loop still turns.
    const alive: k8s.Probe = { exec: { command: ['python', `${PREFECT_PATHS.scripts}/services-alive.py`] }, timeoutSeconds: 10 };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: bg.deploymentName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: bg.podSelector },
        strategy: { type: 'Recreate' },
        template: rt.podTemplate(this, bg, {
          labels,
          initContainers: [rt.waitForMigrations()],
          containers: [
            rt.container({
              name: 'services',
              args: ['prefect', 'server', 'services', 'start'],
              redis: true,
              resources: bg.resources,
              probes: {
                startupProbe: { ...alive, periodSeconds: 5, failureThreshold: 60 },
                livenessProbe: { ...alive, periodSeconds: 30, failureThreshold: 3 },
              },
            }),
          ],
          terminationGracePeriodSeconds: 60,
        }),
      },
    });

    const me = podsPeer(bg.podSelector);
    ctx.allow(me, rt.database.endpoint.peer, [rt.database.endpoint.port], "background services: Prefect's database");
    for (const e of redisEndpoints(rt.redis)) ctx.allow(me, e.peer, [e.port], 'background services: events messaging, Docket');
    if (ctx.peers.internet)
      ctx.allow(me, ctx.peers.internet.peer, ctx.peers.internet.ports, 'background services: automations and notifications (networkPolicies.internetEgress)');
  }
}
