import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkInt, fail } from '../common/validate';
import { PrefectRuntime } from './prefect-runtime';
import { httpProbes } from '../common/probes';

/** The Prefect API port. */
export const PREFECT_API_PORT = 4200;

/** Replicas of the API when `api.replicas` is not set: survives one node drain and one crash at once. */
export const DEFAULT_API_REPLICAS = 3;

/** Options of the API tier (the `api:` section of the configuration file). */
export interface PrefectApiOptions {
  /**
   * Replicas of the API. Several need Redis messaging, which the stack always configures.
   * @default 3 - survives one node drain and one crash at once
   */
  readonly replicas?: number;
  /**
   * Container resources. Measured (bench/prefect/measure.sh): one API process idles at 171 MiB RSS and tops out
   * near one core (a single event loop), 206 MiB while serving 200-run filter pages; requests ≈ 1.8× idle, the
   * memory limit ≈ 3× for large responses and the first start's UI copy. Scale out with replicas, not CPU.
   * @default - requests cpu 250m / memory 320Mi, limits cpu 1 / memory 640Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * A HorizontalPodAutoscaler on CPU; when set it owns the replica count and `replicas` is ignored.
   * @default - no autoscaler: a fixed replica count
   */
  readonly autoscaling?: {
    /** @default 2 */
    readonly minReplicas?: number;
    /** Upper bound; size Postgres `max_connections` for it. */
    readonly maxReplicas: number;
    /** @default 70 */
    readonly targetCpuUtilizationPercent?: number;
  };
  /**
   * How strictly replicas spread over nodes: `preferred` schedules even when nodes are short,
   * `required` never places two replicas on one node.
   * @default "preferred" - a rollout never stalls on a small cluster
   */
  readonly spread?: 'preferred' | 'required';
}

/** Props of {@link PrefectApi}. */
export interface PrefectApiProps extends PrefectApiOptions {
  readonly instance: string;
  readonly runtime: PrefectRuntime;
}

const API_DEFAULT_RESOURCES = {
  requests: { cpu: '250m', memory: '320Mi' },
  limits: { cpu: '1', memory: '640Mi' },
};

/**
 * The Prefect API and UI: a Deployment of stateless replicas (`--no-services`), their Service, a
 * PodDisruptionBudget and optional autoscaler. Pods wait for the migrate Job's work before they start, and only
 * ready pods (`/api/ready`, which checks the database) receive traffic.
 */
export class PrefectApi extends Construct {
  /** The Service's name; port {@link PREFECT_API_PORT}. */
  public readonly serviceName: string;
  /** Labels that select the API pods. */
  public readonly podSelector: Record<string, string>;
  public readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: PrefectApiProps) {
    super(scope, id);
    const replicas = checkInt('api.replicas', props.replicas ?? DEFAULT_API_REPLICAS, 1, 100);
    const autoscaling = props.autoscaling && {
      minReplicas: checkInt('api.autoscaling.minReplicas', props.autoscaling.minReplicas ?? 2, 1, 100),
      maxReplicas: checkInt('api.autoscaling.maxReplicas', props.autoscaling.maxReplicas, 1, 100),
      target: checkInt('api.autoscaling.targetCpuUtilizationPercent', props.autoscaling.targetCpuUtilizationPercent ?? 70, 10, 100),
    };
    if (autoscaling && autoscaling.minReplicas > autoscaling.maxReplicas) {
      fail('api.autoscaling.minReplicas', `${autoscaling.minReplicas} is above maxReplicas ${autoscaling.maxReplicas}`, 'lower minReplicas or raise maxReplicas');
    }
    const spread = props.spread ?? 'preferred';
    const resources = resolveResources('api.resources', props.resources, API_DEFAULT_RESOURCES);
    const rt = props.runtime;
    const name = `${props.instance}-api`;
    const c = { instance: props.instance, name: 'prefect', component: 'api' };
    this.podSelector = selectorLabels(c);
    const labels = componentLabels({ ...c, version: rt.settings.version, tier: 'backend' });

    const container = rt.container({
      name: 'api',
      args: ['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', String(PREFECT_API_PORT), '--no-services'],
      redis: true,
      ui: true,
      resources,
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
    const hostSpread = (key: string): k8s.TopologySpreadConstraint => ({
      maxSkew: 1,
      topologyKey: key,
      whenUnsatisfiable: spread === 'required' && key === 'kubernetes.io/hostname' ? 'DoNotSchedule' : 'ScheduleAnyway',
      labelSelector: { matchLabels: this.podSelector },
      matchLabelKeys: ['pod-template-hash'],
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels, annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
      spec: {
        replicas: autoscaling ? undefined : replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.podSelector },
        // Surge first, never below the desired count: a rollout keeps full capacity.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: rt.podSpec({
            initContainers: [rt.waitForMigrations()],
            containers: [container],
            terminationGracePeriodSeconds: 40,
            topologySpreadConstraints: [hostSpread('kubernetes.io/hostname'), hostSpread('topology.kubernetes.io/zone')],
          }),
        },
      },
    });

    this.serviceName = name;
    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.podSelector,
        ports: [{ name: 'http', port: PREFECT_API_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });

    // A PDB on one replica would block every node drain; from two on, keep all but one serving.
    const floor = autoscaling ? autoscaling.minReplicas : replicas;
    if (floor >= 2) {
      new k8s.KubePodDisruptionBudget(this, 'Pdb', {
        metadata: { name, labels },
        spec: {
          minAvailable: k8s.IntOrString.fromNumber(floor - 1),
          selector: { matchLabels: this.podSelector },
          // A crash-looping pod must not block drains.
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    }

    if (autoscaling) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Hpa', {
        metadata: { name, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: autoscaling.minReplicas,
          maxReplicas: autoscaling.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.target } } }],
        },
      });
    }
  }
}
