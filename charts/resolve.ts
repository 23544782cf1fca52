import { ResolvedAdmin, resolveAdmin } from './admin/resolve';
import { ImageCatalog } from './common/images';
import { MAX_INSTANCE_LENGTH, ObjectNames } from './common/names';
import { RESERVED_LABEL_PREFIXES, resolveScheduling } from './common/pod-options';
import { StackContextProps } from './common/stack-context';
import { checkAnnotations, checkDnsLabel, checkLabels, fail } from './common/validate';
import { ResolvedDataTier, resolveDataTier } from './data/resolve';
import { ResolvedEdge, namespaceOfGateway, resolveEdge } from './edge/resolve-edge';
import { ResolvedNetworkPolicies, resolveNetworkPolicies } from './network/network-options';
import { ResolvedMonitoring, resolveMonitoring } from './observability/resolve';
import { PrefectStackProps } from './prefect-stack-props';
import { ResolvedPrefectTier, resolvePrefectTier } from './prefect/resolve';
import { resolvePrefectSettings } from './prefect/settings';
import { ResolvedWorker, resolveWorker } from './worker/resolve';

/** The whole configuration with every default applied and every value checked: what the constructs are built from. */
export interface ResolvedStack {
  /** What every construct finds from its scope (instance, namespace, images, pod policy, outside peers). */
  readonly context: StackContextProps;
  readonly createNamespace: boolean;
  readonly prefect: ResolvedPrefectTier;
  readonly data: ResolvedDataTier;
  readonly edge: ResolvedEdge;
  readonly network: ResolvedNetworkPolicies;
  readonly worker?: ResolvedWorker;
  readonly admin: ResolvedAdmin;
  readonly monitoring?: ResolvedMonitoring;
}

/** Namespaces every cluster has and whose pods are not ours to restrict. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function checkCommonLabels(labels: { [key: string]: string } | undefined): { [key: string]: string } {
  const checked = checkLabels('commonLabels', labels);
  for (const k of Object.keys(checked)) {
    if (RESERVED_LABEL_PREFIXES.some((p) => k.startsWith(p)))
      fail(`commonLabels.${k}`, 'is a label the stack sets itself', `choose a key outside ${RESERVED_LABEL_PREFIXES.join(' and ')}`);
  }
  return checked;
}

/**
 * The one resolve phase: the configuration's defaults applied and every value checked, tier by tier, before any
 * object is built; cross-tier values (the connection budget, the handles of the data servers, the edge's routes,
 * the names the rules watch) are derived here once. A bad value throws an Error naming its key and the fix.
 */
export function resolveStack(props: PrefectStackProps): ResolvedStack {
  const namespace = checkDnsLabel('namespace', props.namespace ?? 'prefect');
  if ((props.createNamespace ?? true) && SYSTEM_NAMESPACES.includes(namespace)) {
    fail(
      'namespace',
      `"${namespace}" is a system namespace, and createNamespace would relabel it to enforce Pod Security "restricted" (refusing its own pods)`,
      'choose a namespace of its own, or set createNamespace: false',
    );
  }
  const instance = checkDnsLabel('name', props.name ?? 'prefect', MAX_INSTANCE_LENGTH);
  const names = new ObjectNames(instance);
  const platform = props.platform ?? 'kubernetes';
  if (!['kubernetes', 'openshift'].includes(platform)) fail('platform', `"${platform}" is not a platform`, 'use kubernetes or openshift');
  const scheduling = resolveScheduling('scheduling', props.scheduling);
  const settings = resolvePrefectSettings(props.prefect);
  const images = new ImageCatalog(props.images, settings.version);
  const edge = resolveEdge(props.edge, settings.externalUrl, settings.authSecret !== undefined);
  const network = resolveNetworkPolicies(
    props.networkPolicies,
    edge.type === 'none' ? undefined : edge.type === 'gateway-api' ? namespaceOfGateway(edge, namespace) : 'ingress-nginx',
  );
  const prefect = resolvePrefectTier(props, { names, scheduling, settings, edge });
  const data = resolveDataTier(props.database, props.redis, {
    names,
    images,
    scheduling,
    peers: network.peers,
    connectionBudget: { apiReplicas: prefect.api.maxReplicas, apiSurge: prefect.api.surge, pool: settings.pool },
  });
  const api = { ...prefect.api.endpoint, serviceName: prefect.api.serviceName };
  return {
    context: {
      instance,
      namespace,
      images,
      imagePullSecrets: images.pullSecrets,
      platform,
      scheduling,
      commonLabels: checkCommonLabels(props.commonLabels),
      commonAnnotations: checkAnnotations('commonAnnotations', props.commonAnnotations),
      peers: network.peers,
    },
    createNamespace: props.createNamespace ?? true,
    prefect,
    data,
    edge,
    network,
    worker: resolveWorker(props.worker, { names, namespace, scheduling, api }),
    admin: resolveAdmin(props.admin, { names, scheduling, edge, database: data.database, redis: data.redis }),
    monitoring: resolveMonitoring(props.monitoring, {
      names,
      namespace,
      scheduling,
      edge,
      api,
      scheme: settings.externalUrl?.protocol === 'http:' ? 'http' : 'https',
      authSecret: settings.authSecret,
      watched: {
        instance,
        namespace,
        apiDeployment: prefect.api.deploymentName,
        apiService: prefect.api.serviceName,
        backgroundDeployment: prefect.backgroundServices.deploymentName,
        postgresJob: data.postgres?.serviceName,
        database: data.postgres?.database,
        databaseVolumeBytes: data.postgres?.storageBytes,
        cloudNativePg: data.cloudNativePg && { job: data.cloudNativePg.metricsServiceName, instances: data.cloudNativePg.instances },
        redisJob: data.redisServer?.serviceName,
        backupCronJob: data.backup?.cronJobName,
      },
    }),
  };
}
