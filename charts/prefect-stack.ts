import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PgAdmin, PgAdminOptions } from './admin/pgadmin';
import { RedisUi, RedisUiOptions } from './admin/redis-ui';
import { ImageCatalog, ImagesProps } from './common/images';
import { componentLabels } from './common/labels';
import { RestrictedNamespace } from './common/restricted-namespace';
import { checkDnsLabel } from './common/validate';
import { DataTier, DatabaseProps, RedisServerProps } from './data/data-tier';
import { POSTGRES_EXPORTER_PORT, POSTGRES_PORT } from './data/postgres';
import { REDIS_EXPORTER_PORT } from './data/redis';
import { EdgeOptions, namespaceOfGateway, prefectRoutes, resolveEdge } from './edge/edge-options';
import { StackEdge } from './edge/stack-edge';
import { Flow, NetworkPoliciesOptions, namespaceNamed, resolveNetworkPolicies, stackFlows } from './network/flows';
import { StackNetworkPolicies } from './network/stack-network-policies';
import { MonitoringOptions, PrefectMonitoring } from './observability/monitoring';
import { DEFAULT_API_REPLICAS, PREFECT_API_PORT, PrefectApi, PrefectApiOptions } from './prefect/prefect-api';
import { PrefectBackgroundServices, PrefectBackgroundServicesOptions } from './prefect/prefect-background';
import { PrefectMigration, PrefectMigrationOptions } from './prefect/prefect-migration';
import { PrefectRuntime } from './prefect/prefect-runtime';
import { PrefectSettingsProps, resolvePrefectSettings } from './prefect/prefect-settings';
import { PrefectWorker, PrefectWorkerOptions } from './worker/prefect-worker';

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
   * Registry mirror and image overrides.
   * @default - the pinned upstream images
   */
  readonly images?: ImagesProps;
  /**
   * Settings shared by every Prefect process (release, URL, auth, pool, extra settings).
   * @default - see PrefectSettingsProps
   */
  readonly prefect?: PrefectSettingsProps;
  /**
   * The API and UI replicas.
   * @default - see PrefectApiOptions
   */
  readonly api?: PrefectApiOptions;
  /**
   * The background services.
   * @default - see PrefectBackgroundServicesOptions
   */
  readonly backgroundServices?: PrefectBackgroundServicesOptions;
  /**
   * The migrate Job.
   * @default - see PrefectMigrationOptions
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
   * @default - see EdgeOptions
   */
  readonly edge?: EdgeOptions;
  /**
   * Admin UIs (frontend tier): pgAdmin and a Redis web UI, each deployed when its section is present.
   * @default - none
   */
  readonly admin?: AdminProps;
  /**
   * NetworkPolicies: default deny, and the flows of the README's table.
   * @default - see NetworkPoliciesOptions
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

/** The admin UIs (the seed's pgAdmin and ARDM). */
export interface AdminProps {
  /**
   * pgAdmin 4, pre-wired to the stack's PostgreSQL.
   * @default - not deployed
   */
  readonly pgadmin?: PgAdminOptions;
  /**
   * A Redis web UI (redis-commander or RedisInsight) in place of the seed's ARDM desktop app.
   * @default - not deployed
   */
  readonly redisUi?: RedisUiOptions;
}

/**
 * A production Prefect 3 server, read top to bottom like its architecture diagram:
 * data (PostgreSQL, Redis) → migrations → API replicas and background services.
 */
export class PrefectStack extends Chart {
  public readonly api: PrefectApi;
  public readonly backgroundServices: PrefectBackgroundServices;
  public readonly migration: PrefectMigration;
  /** PostgreSQL (with backups) and Redis, or the handles of external ones. */
  public readonly data: DataTier;
  public readonly pgadmin?: PgAdmin;
  public readonly redisUi?: RedisUi;
  /** ServiceMonitors, rules, dashboards (and the bundled Prometheus/Grafana), when `monitoring` is set. */
  public readonly monitoring?: PrefectMonitoring;
  /** Every allowed network flow: the NetworkPolicies and the README's flow table are generated from it. */
  public readonly flows: Flow[];
  /** The Kubernetes worker; absent with `worker.enabled: false`. */
  public readonly worker?: PrefectWorker;

  constructor(scope: Construct, id: string, props: PrefectStackProps = {}) {
    const namespace = checkDnsLabel('namespace', props.namespace ?? 'prefect');
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const instance = checkDnsLabel('name', props.name ?? 'prefect', 40);
    const settings = resolvePrefectSettings(props.prefect);
    const images = new ImageCatalog(props.images, settings.version);

    if (props.createNamespace ?? true) {
      new RestrictedNamespace(this, 'Namespace', { name: namespace, labels: componentLabels({ instance, name: 'prefect', component: 'namespace' }) });
    }

    // Data tier: where the state lives. PostgreSQL (max_connections sized for every Prefect pool) with backups,
    // and Redis, in the cluster by default; managed services with `external`.
    this.data = new DataTier(this, 'Data', {
      instance,
      images,
      database: props.database,
      redis: props.redis,
      connectionBudget: {
        apiReplicas: props.api?.autoscaling?.maxReplicas ?? props.api?.replicas ?? DEFAULT_API_REPLICAS,
        pool: settings.pool,
      },
    });
    const { database, redis } = this.data;

    // Prefect tier: one runtime, three workloads built from it.
    const runtime = new PrefectRuntime(this, 'Runtime', { instance, settings, images, database, redis });
    this.migration = new PrefectMigration(this, 'Migration', { instance, runtime, initContainers: this.data.migrationInitContainers, ...props.migrations });
    this.api = new PrefectApi(this, 'Api', { instance, runtime, ...props.api });
    this.backgroundServices = new PrefectBackgroundServices(this, 'BackgroundServices', { instance, runtime, ...props.backgroundServices });

    // Execution: a worker that turns scheduled flow runs into Jobs, through the API Service.
    const { enabled: workerEnabled, ...workerOptions } = props.worker ?? {};
    if (workerEnabled ?? true) {
      this.worker = new PrefectWorker(this, 'Worker', { instance, namespace, images, settings, apiServiceName: this.api.serviceName, apiPort: PREFECT_API_PORT, ...workerOptions });
    }

    // Frontend tier: admin UIs, each reaching only its own data server.
    const edge = resolveEdge(props.edge, settings.externalUrl);
    if (props.admin?.pgadmin) this.pgadmin = new PgAdmin(this, 'PgAdmin', { instance, images, database, edge, ...props.admin.pgadmin });
    if (props.admin?.redisUi) this.redisUi = new RedisUi(this, 'RedisUi', { instance, images, redis, edge, ...props.admin.redisUi });

    // Observability: scrape targets, alert rules and dashboards watching every tier above.
    if (props.monitoring) {
      this.monitoring = new PrefectMonitoring(this, 'Monitoring', {
        instance,
        namespace,
        images,
        edge,
        scheme: settings.externalUrl?.protocol === 'http:' ? 'http' : 'https',
        api: { service: this.api.serviceName, labels: this.api.podSelector, deployment: this.api.deployment.name, port: PREFECT_API_PORT },
        apiAuth: settings.authSecret !== undefined,
        backgroundDeployment: this.backgroundServices.deploymentName,
        postgres: this.data.postgres && { service: this.data.postgres.serviceName, labels: this.data.postgres.podLabels, database: database.database, volumeBytes: this.data.postgres.storageBytes },
        redis: this.data.redisServer && { service: this.data.redisServer.serviceName, labels: this.data.redisServer.podLabels },
        backupCronJob: this.data.backup?.cronJobName,
        ...props.monitoring,
      });
    }

    // Edge: the Prefect host (and path) from prefect.externalUrl, then the exposed admin UIs.
    new StackEdge(this, 'Edge', {
      instance,
      edge,
      routes: [
        ...prefectRoutes(edge, this.api.serviceName, PREFECT_API_PORT, componentLabels({ instance, name: 'prefect', component: 'edge' })),
        ...[this.pgadmin?.route, this.redisUi?.route].filter((r) => r !== undefined),
        ...(this.monitoring?.routes ?? []),
      ],
    });

    // Network: default deny, then exactly these flows (also the README's table).
    const apiPeer = { podLabels: this.api.podSelector, port: PREFECT_API_PORT };
    const policies = resolveNetworkPolicies(props.networkPolicies, edge.type === 'none' ? undefined
      : { namespaceLabels: namespaceNamed(edge.type === 'gateway-api' ? namespaceOfGateway(edge, namespace) : 'ingress-nginx') });
    this.flows = stackFlows({
      policies,
      api: apiPeer,
      backgroundServices: this.backgroundServices.podSelector,
      migrate: this.migration.podSelector,
      postgres: { podLabels: database.podLabels, port: database.port ?? POSTGRES_PORT, metricsPort: POSTGRES_EXPORTER_PORT },
      redis: { podLabels: redis.podLabels, port: redis.port, metricsPort: REDIS_EXPORTER_PORT },
      backup: this.data.backup && { podLabels: this.data.backup.podLabels },
      pgadmin: this.pgadmin && { podLabels: this.pgadmin.podSelector, port: this.pgadmin.port },
      redisUi: this.redisUi && { podLabels: this.redisUi.podSelector, port: this.redisUi.port },
      extraFlows: [
        ...(this.monitoring?.flows({
          edgeFrom: policies.edgeFrom,
          prometheusFrom: policies.prometheusFrom,
          api: apiPeer,
          postgres: database.podLabels && { podLabels: database.podLabels, metricsPort: POSTGRES_EXPORTER_PORT },
          redis: redis.podLabels && { podLabels: redis.podLabels, metricsPort: REDIS_EXPORTER_PORT },
        }) ?? []),
        ...(this.worker?.flows(apiPeer) ?? []),
      ],
    });
    if (policies.enabled) new StackNetworkPolicies(this, 'NetworkPolicies', { instance, flows: this.flows });
  }
}
