import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { PREFECT_PATHS } from './settings';
import { PrefectRuntime } from './prefect-runtime';

/** Options of the background services (the `backgroundServices:` section of the configuration file). */
export interface PrefectBackgroundServicesOptions {
  /**
   * Container resources. Measured (bench/prefect/measure.sh): 175 MiB RSS idle, 178 MiB and 6 % of a core while
   * 200 runs are created; the limit leaves the task-run recorder (the throughput ceiling, about one core under
   * heavy load, #16299) a whole core, and memory ≈ 3× idle for event bursts.
   * @default - requests cpu 100m / memory 256Mi, limits cpu 1 / memory 512Mi
   */
  readonly resources?: ResourcesProps;
}

/** Props of {@link PrefectBackgroundServices}. */
export interface PrefectBackgroundServicesProps extends PrefectBackgroundServicesOptions {
  readonly instance: string;
  readonly runtime: PrefectRuntime;
}

const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};

/**
 * Prefect's background services (scheduler, late runs, event persister, task-run recorder, …) in their own
 * Deployment of exactly one replica: the task-run recorder deadlocks with two (PrefectHQ/prefect #21716), so the
 * rollout strategy is Recreate and there is no replica setting.
 */
export class PrefectBackgroundServices extends Construct {
  /** Labels that select the background pod. */
  public readonly podSelector: Record<string, string>;
  public readonly deploymentName: string;

  constructor(scope: Construct, id: string, props: PrefectBackgroundServicesProps) {
    super(scope, id);
    const rt = props.runtime;
    const resources = resolveResources('backgroundServices.resources', props.resources, DEFAULT_RESOURCES);
    const c = { instance: props.instance, name: 'prefect', component: 'background-services' };
    this.podSelector = selectorLabels(c);
    this.deploymentName = `${props.instance}-background-services`;
    const labels = componentLabels({ ...c, version: rt.settings.version, tier: 'backend' });
    // The process has no HTTP port: the probe checks that it is alive and its event loop still turns.
    const alive: k8s.Probe = { exec: { command: ['python', `${PREFECT_PATHS.scripts}/services-alive.py`] }, timeoutSeconds: 10 };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: this.deploymentName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.podSelector },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels },
          spec: rt.podSpec({
            initContainers: [rt.waitForMigrations()],
            containers: [rt.container({
              name: 'services',
              args: ['prefect', 'server', 'services', 'start'],
              redis: true,
              resources,
              probes: {
                startupProbe: { ...alive, periodSeconds: 5, failureThreshold: 60 },
                livenessProbe: { ...alive, periodSeconds: 30, failureThreshold: 3 },
              },
            })],
            terminationGracePeriodSeconds: 60,
          }),
        },
      },
    });
  }
}
