import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PgAdmin } from './admin/pgadmin';
import { RedisUi } from './admin/redis-ui';
import { componentLabels } from './common/labels';
import { RestrictedNamespace } from './common/restricted-namespace';
import { StackContext } from './common/stack-context';
import { DataTier } from './data/data-tier';
import { StackEdge } from './edge/stack-edge';
import { Flow } from './network/flow';
import { StackNetworkPolicies } from './network/stack-network-policies';
import { PrefectMonitoring } from './observability/monitoring';
import { PrefectStackProps } from './prefect-stack-props';
import { PrefectServer } from './prefect/prefect-server';
import { resolveStack } from './resolve';
import { PrefectWorker } from './worker/prefect-worker';

/**
 * A production Prefect 3 server, read top to bottom like its architecture diagram. The configuration is resolved
 * once (every default, every check), then each tier is built and declares what it needs — network flows, scrape
 * targets, routes — from which the edge, the monitoring and the NetworkPolicies are derived last.
 */
export class PrefectStack extends Chart {
  /** PostgreSQL (with backups) and Redis, or the handles of external ones. */
  public readonly data: DataTier;
  /** The migrate Job, the API replicas and the background services. */
  public readonly server: PrefectServer;
  /** The Kubernetes worker; absent with `worker.enabled: false`. */
  public readonly worker?: PrefectWorker;
  public readonly pgadmin?: PgAdmin;
  public readonly redisUi?: RedisUi;
  /** ServiceMonitors, rules, dashboards (and the bundled Prometheus/Grafana), when `monitoring` is set. */
  public readonly monitoring?: PrefectMonitoring;
  /** Every allowed network flow: the NetworkPolicies and the flow table of docs/architecture.md are generated from it. */
  public readonly flows: Flow[];

  constructor(scope: Construct, id: string, props: PrefectStackProps = {}) {
    const c = resolveStack(props);
    super(scope, id, { namespace: c.context.namespace, labels: c.context.commonLabels, disableResourceNameHashes: true });
    const ctx = new StackContext(this, c.context);
    if (c.createNamespace) {
      new RestrictedNamespace(this, 'Namespace', {
        name: ctx.namespace,
        labels: componentLabels({ instance: ctx.instance, name: 'prefect', component: 'namespace' }),
      });
    }

    // Data tier: where the state lives. Prefect tier: migrations, then the API and background services.
    this.data = new DataTier(this, 'Data', c.data);
    this.server = new PrefectServer(this, 'Prefect', c.prefect, c.data);
    // Execution: a worker that turns scheduled flow runs into Jobs.
    if (c.worker) this.worker = new PrefectWorker(this, 'Worker', c.worker, c.prefect.settings);
    // Frontend tier: admin UIs, each reaching only its own data server.
    if (c.admin.pgadmin) this.pgadmin = new PgAdmin(this, 'PgAdmin', c.admin.pgadmin);
    if (c.admin.redisUi) this.redisUi = new RedisUi(this, 'RedisUi', c.admin.redisUi);
    // Observability: the targets every tier declared, alert rules and dashboards.
    if (c.monitoring)
      this.monitoring = new PrefectMonitoring(this, 'Monitoring', c.monitoring, { ...c.prefect.api.endpoint, serviceName: c.prefect.api.serviceName });
    // Edge: the routes the tiers declared. Network: default deny, then exactly the flows they declared.
    new StackEdge(this, 'Edge', c.edge);
    if (c.network.enabled) new StackNetworkPolicies(this, 'NetworkPolicies');
    this.flows = ctx.flows;

    for (const [key, value] of Object.entries(ctx.commonAnnotations)) {
      for (const o of this.node.findAll())
        if (o instanceof ApiObject && o.metadata.toJson().annotations?.[key] === undefined) o.metadata.addAnnotation(key, value);
    }
  }
}
