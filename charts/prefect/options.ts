import { PodOptions } from '../common/pod-options';
import { ResourcesProps } from '../common/resources';

/** A HorizontalPodAutoscaler on CPU for the API (`api.autoscaling`). */
export interface ApiAutoscalingOptions {
  /**
   * The fewest replicas; the PodDisruptionBudget and the hard spread are sized for it.
   * @default 2
   */
  readonly minReplicas?: number;
  /** Upper bound; Postgres `max_connections` is sized for it. */
  readonly maxReplicas: number;
  /**
   * Average CPU utilization (of the requests) the autoscaler keeps.
   * @default 70
   */
  readonly targetCpuUtilizationPercent?: number;
}

/** Options of the API tier (the `api:` section of the configuration file). */
export interface PrefectApiOptions extends PodOptions {
  /**
   * Replicas of the API. Several need Redis messaging, which the stack always configures.
   * @default 3 - survives one node drain and one crash at once
   */
  readonly replicas?: number;
  /**
   * Container resources. Measured (bench/prefect/measure.sh): one API process idles at 171 MiB RSS and tops out
   * near one core (a single event loop), 206 MiB while serving 200-run filter pages; requests ≈ 1.8× idle, the
   * memory limit ≈ 3× for large responses and the first start's UI copy. Scale out with replicas, not CPU.
   * @default - requests cpu 250m / memory 320Mi / ephemeralStorage 64Mi, limits cpu 1 / memory 640Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * A HorizontalPodAutoscaler on CPU; when set it owns the replica count and `replicas` is ignored.
   * @default - no autoscaler: a fixed replica count
   */
  readonly autoscaling?: ApiAutoscalingOptions;
  /**
   * How replicas spread over nodes. `preferred` schedules even when nodes are short; `required` puts the replicas
   * of a rollout generation on distinct nodes (a replica without a free node waits Pending), so one node's loss
   * never takes more than one.
   * @default "preferred" - a rollout never stalls on a small cluster
   */
  readonly spread?: 'preferred' | 'required';
  /**
   * How replicas spread over zones (`topology.kubernetes.io/zone`): `required` never lets the zones' counts differ
   * by more than one (nodes need the zone label).
   * @default "preferred"
   */
  readonly zoneSpread?: 'preferred' | 'required';
}

/** Options of the background services (the `backgroundServices:` section of the configuration file). */
export interface PrefectBackgroundServicesOptions extends PodOptions {
  /**
   * Container resources. Measured (bench/prefect/measure.sh): 175 MiB RSS idle, 178 MiB and 6 % of a core while
   * 200 runs are created; the limit leaves the task-run recorder (the throughput ceiling, about one core under
   * heavy load, #16299) a whole core, and memory ≈ 3× idle for event bursts.
   * @default - requests cpu 100m / memory 256Mi / ephemeralStorage 64Mi, limits cpu 1 / memory 512Mi
   */
  readonly resources?: ResourcesProps;
}

/** Options of the migrate Job (the `migrations:` section of the configuration file). */
export interface PrefectMigrationOptions extends PodOptions {
  /**
   * Container resources of the migration.
   * @default - requests cpu 100m / memory 256Mi / ephemeralStorage 64Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * How long the migration may run before the Job fails; large databases migrate slowly.
   * @default 1800
   */
  readonly timeoutSeconds?: number;
}
