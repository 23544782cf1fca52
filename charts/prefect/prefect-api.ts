import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { ComponentServiceAccount } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { redisEndpoints } from './connections';
import { PrefectRuntime } from './prefect-runtime';
import { PREFECT_API_PORT, ResolvedApi } from './resolve';

/**
 * The Prefect API and UI: a Deployment of stateless replicas (`--no-services`), their Service, a
 * PodDisruptionBudget and optional autoscaler. Pods wait for the migrate Job's work before they start, and only
 * ready pods (`/api/ready`, which checks the database) receive traffic.
 */
export class PrefectApi extends Construct {
  constructor(scope: Construct, id: string, api: ResolvedApi, rt: PrefectRuntime) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const labels = componentLabels({ instance: ctx.instance, name: 'prefect', component: 'api', version: rt.settings.version, tier: 'backend' });
    new ComponentServiceAccount(this, 'ServiceAccount', { name: api.serviceAccountName, labels, pod: api.pod });

    const container = rt.container({
      name: 'api',
      args: ['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', String(PREFECT_API_PORT), '--no-services'],
      redis: true,
      ui: true,
      resources: api.resources,
      ports: [{ name: 'http', containerPort: PREFECT_API_PORT, protocol: 'TCP' }],
      probes: {
        // /api/ready fails while Postgres is unreachable: the pod leaves the Service instead of serving 500s.
        // /api/health does not touch the database: a database outage does not restart every replica.
        // The first start copies the UI and warms imports: up to 5 minutes before liveness applies.
        ...httpProbes({ ready: '/api/ready', live: '/api/health', startupSeconds: 300 }),
        // Endpoints update asynchronously: keep serving a few seconds after removal so no request is dropped.
        lifecycle: { preStop: { sleep: { seconds: 10 } } },
      },
    });
    // Each rollout generation (pod-template-hash) spreads on its own, so a surge pod fits a cluster with exactly
    // as many nodes as replicas. `required` on nodes: minDomains = the fewest replicas, so no two replicas of a
    // generation share a node even when nodes are short (the extra ones wait Pending).
    const spread = (key: string, required: boolean, minDomains?: number): k8s.TopologySpreadConstraint => ({
      maxSkew: 1,
      topologyKey: key,
      whenUnsatisfiable: required ? 'DoNotSchedule' : 'ScheduleAnyway',
      ...(required && minDomains && minDomains > 1 ? { minDomains } : {}),
      labelSelector: { matchLabels: api.podSelector },
      matchLabelKeys: ['pod-template-hash'],
    });

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: api.deploymentName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
      spec: {
        replicas: api.autoscaling ? undefined : api.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: api.podSelector },
        // Surge first, never below the desired count: a rollout keeps full capacity.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(api.surge), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: rt.podTemplate(this, api, {
          labels,
          initContainers: [rt.waitForMigrations()],
          containers: [container],
          terminationGracePeriodSeconds: 40,
          topologySpreadConstraints: [
            spread('kubernetes.io/hostname', api.spread === 'required', api.minReplicas),
            spread('topology.kubernetes.io/zone', api.zoneSpread === 'required'),
          ],
        }),
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: api.serviceName, labels },
      spec: {
        type: 'ClusterIP',
        selector: api.podSelector,
        ports: [{ name: 'http', port: PREFECT_API_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });

    // A PDB on one replica would block every node drain; from two on, keep all but one serving.
    if (api.minReplicas >= 2) {
      new k8s.KubePodDisruptionBudget(this, 'Pdb', {
        metadata: { name: api.deploymentName, labels },
        spec: {
          minAvailable: k8s.IntOrString.fromNumber(api.minReplicas - 1),
          selector: { matchLabels: api.podSelector },
          // A crash-looping pod must not block drains.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    if (api.autoscaling) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
        metadata: { name: api.deploymentName, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: api.deploymentName },
          minReplicas: api.autoscaling.minReplicas,
          maxReplicas: api.autoscaling.maxReplicas,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: api.autoscaling.targetCpuUtilizationPercent } } },
          ],
        },
      });
    }

    // Who the API talks to, and who talks to it.
    const me = podsPeer(api.podSelector);
    ctx.allow(me, rt.database.endpoint.peer, [rt.database.endpoint.port], "API: Prefect's database");
    for (const e of redisEndpoints(rt.redis)) ctx.allow(me, e.peer, [e.port], 'API: events messaging, leases, Docket');
    for (const w of ctx.peers.workers) ctx.allow(w, me, [PREFECT_API_PORT], 'Prefect workers and clients call the API');
    if (ctx.peers.internet)
      ctx.allow(me, ctx.peers.internet.peer, ctx.peers.internet.ports, 'API: webhooks and notifications (networkPolicies.internetEgress)');
    for (const r of api.routes) ctx.expose(r);
    ctx.scrape({
      name: 'api',
      service: api.serviceName,
      podSelector: api.podSelector,
      port: 'http',
      portNumber: PREFECT_API_PORT,
      path: '/api/metrics',
      prefectAuth: rt.settings.authSecret !== undefined,
      why: 'Prometheus scrapes /api/metrics',
    });
  }
}
