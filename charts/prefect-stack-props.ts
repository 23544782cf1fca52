import { AdminProps } from './admin/options';
import { ImagesProps } from './common/images';
import { SchedulingOptions } from './common/pod-options';
import { Platform } from './common/stack-context';
import { DatabaseProps, RedisServerProps } from './data/options';
import { EdgeOptions } from './edge/edge-options';
import { NetworkPoliciesOptions } from './network/network-options';
import { MonitoringOptions } from './observability/options';
import { PrefectApiOptions, PrefectBackgroundServicesOptions, PrefectMigrationOptions } from './prefect/options';
import { PrefectSettingsProps } from './prefect/settings';
import { PrefectWorkerOptions } from './worker/options';

/**
 * Everything the stack takes. The configuration file (prefect-stack.yaml) is this type written as YAML:
 * its JSON Schema is generated from this interface, so a key cannot exist in one and not the other.
 */
export interface PrefectStackProps {
  /**
   * Instance name: the prefix of every object name and the `app.kubernetes.io/instance` label.
   * @default "prefect"
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default "prefect"
   */
  readonly namespace?: string;
  /**
   * Emit the Namespace, labelled to enforce Pod Security Standards `restricted`.
   * @default true - the labels are what makes the cluster refuse a weakened pod
   */
  readonly createNamespace?: boolean;
  /**
   * Registry mirror, pull Secrets and image overrides.
   * @default - the pinned upstream images
   */
  readonly images?: ImagesProps;
  /**
   * Where every pod of the stack runs (node selector, tolerations, affinity, spread, priority); each component's
   * own key of the same name replaces the stack-wide one for that component.
   * @default - anywhere
   */
  readonly scheduling?: SchedulingOptions;
  /**
   * Labels on every object and pod template of the stack (team, cost centre, environment). Never in selectors, so
   * changing them never recreates anything; the stack's own `app.kubernetes.io/*` labels cannot be replaced.
   * @default - none
   */
  readonly commonLabels?: { [key: string]: string };
  /**
   * Annotations on every object and pod template of the stack.
   * @default - none
   */
  readonly commonAnnotations?: { [key: string]: string };
  /**
   * `openshift` leaves UIDs, GIDs and fsGroup to the platform (the restricted-v2 SCC assigns them from the
   * namespace's range), so every pod runs under an arbitrary UID; `kubernetes` sets each image's own user.
   * @default "kubernetes"
   */
  readonly platform?: Platform;
  /**
   * Settings shared by every Prefect process (release, URL, auth, pool, extra settings).
   * @default - the pinned release, no external URL, Prefect's pool, 7 days of events
   */
  readonly prefect?: PrefectSettingsProps;
  /**
   * The API and UI replicas.
   * @default - 3 replicas spread over nodes, with a PodDisruptionBudget
   */
  readonly api?: PrefectApiOptions;
  /**
   * The background services.
   * @default - one replica with measured resources
   */
  readonly backgroundServices?: PrefectBackgroundServicesOptions;
  /**
   * The migrate Job.
   * @default - once per release, 30 minutes at most
   */
  readonly migrations?: PrefectMigrationOptions;
  /**
   * The database: `inCluster` (PostgreSQL StatefulSet with backups) or `external` (a managed service).
   * @default - in the cluster, every option at its default
   */
  readonly database?: DatabaseProps;
  /**
   * Redis: `inCluster` (Redis StatefulSet) or `external` (a managed service).
   * @default - in the cluster, every option at its default
   */
  readonly redis?: RedisServerProps;
  /**
   * The front door (Ingress-NGINX or Gateway API); its host and path come from `prefect.externalUrl`.
   * @default - Ingress-NGINX when prefect.externalUrl is set, else none
   */
  readonly edge?: EdgeOptions;
  /**
   * Admin UIs (frontend tier): pgAdmin and a Redis web UI, each deployed when its section is present.
   * @default - none
   */
  readonly admin?: AdminProps;
  /**
   * NetworkPolicies: default deny, and the flows of the table in docs/architecture.md.
   * @default - on, with the edge, Prometheus and DNS where the usual installations put them
   */
  readonly networkPolicies?: NetworkPoliciesOptions;
  /**
   * Monitoring: ServiceMonitors, alert rules and Grafana dashboards for kube-prometheus-stack, optionally the
   * flow-run exporter and the stack's own Prometheus and Grafana.
   * @default - no monitoring objects (they need the prometheus-operator CRDs or the bundled mode)
   */
  readonly monitoring?: MonitoringOptions;
  /**
   * The Kubernetes worker that runs flows as Jobs, and its work pool.
   * @default - a worker polling the work pool "kubernetes", Jobs in the stack's namespace
   */
  readonly worker?: PrefectWorkerOptions;
}
