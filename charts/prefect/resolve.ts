import * as k8s from '../../imports/k8s';
import { componentLabels, selectorLabels } from '../common/labels';
import { ObjectNames } from '../common/names';
import { ResolvedPod, SchedulingOptions, resolvePod } from '../common/pod-options';
import { ResourceDefaults, resolveResources } from '../common/resources';
import { checkInt, fail, quantityValue } from '../common/validate';
import { ResolvedEdge } from '../edge/resolve-edge';
import { EdgeRoute, prefectRoutes } from '../edge/routes';
import { Endpoint, podsPeer } from '../network/flow';
import { PrefectApiOptions, PrefectBackgroundServicesOptions, PrefectMigrationOptions } from './options';
import { ResolvedPrefectSettings } from './settings';

/** The Prefect API port: UI, API and metrics. */
export const PREFECT_API_PORT = 4200;

/** Replicas of the API when `api.replicas` is not set: survives one node drain and one crash at once. */
export const DEFAULT_API_REPLICAS = 3;
/** Extra API pods during a rollout: surge first, never below the desired count. */
export const API_SURGE = 1;

/**
 * The least memory limit of a Prefect server process: above what one uses idle (bench/prefect/measure.sh: API
 * 171 MiB RSS, background services 175 MiB), so a lower limit OOM-kills it at start.
 */
export const PREFECT_MEMORY_FLOOR = { api: ['171 MiB', '192Mi'], backgroundServices: ['175 MiB', '192Mi'] } as const;

/** Refuses a memory limit under what the process uses idle. */
export function checkMemoryFloor(field: string, resources: k8s.ResourceRequirements, idle: string, floor: string, what: string): void {
  const limit = String(resources.limits!.memory.value);
  if (quantityValue(limit) < quantityValue(floor)) {
    fail(
      `${field}.limits.memory`,
      `${limit} is below the ${idle} ${what} uses idle (bench/prefect/measure.sh): it would be OOM-killed at start`,
      `give at least ${floor}`,
    );
  }
}

const API_RESOURCES: ResourceDefaults = {
  requests: { cpu: '250m', memory: '320Mi', ephemeralStorage: '64Mi' },
  limits: { cpu: '1', memory: '640Mi' },
};
const SERVICES_RESOURCES: ResourceDefaults = {
  requests: { cpu: '100m', memory: '256Mi', ephemeralStorage: '64Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};
const MIGRATION_RESOURCES: ResourceDefaults = {
  requests: { cpu: '100m', memory: '256Mi', ephemeralStorage: '64Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** `api:` with defaults applied. */
export interface ResolvedApi extends ResolvedPrefectWorkload {
  readonly deploymentName: string;
  /** The Service (port {@link PREFECT_API_PORT} `http`). */
  readonly serviceName: string;
  /** Where in-cluster clients (worker, exporter, Prometheus) reach the API. */
  readonly endpoint: Endpoint;
  /** The Prefect UI and API at the edge (none without an edge). */
  readonly routes: EdgeRoute[];
  /** The fixed replica count; with an autoscaler, the autoscaler owns it. */
  readonly replicas: number;
  readonly autoscaling?: { readonly minReplicas: number; readonly maxReplicas: number; readonly targetCpuUtilizationPercent: number };
  /** The fewest replicas that run (the PDB and the hard spread are sized for it). */
  readonly minReplicas: number;
  /** The most replicas that run outside a rollout (Postgres `max_connections` is sized for it). */
  readonly maxReplicas: number;
  readonly surge: number;
  readonly spread: 'preferred' | 'required';
  readonly zoneSpread: 'preferred' | 'required';
}

/** A Prefect workload with its resources and pods resolved. */
export interface ResolvedPrefectWorkload {
  readonly serviceAccountName: string;
  /** Labels that select its pods. */
  readonly podSelector: Record<string, string>;
  readonly resources: k8s.ResourceRequirements;
  readonly pod: ResolvedPod;
}

/** The Prefect tier's sections, resolved. */
export interface ResolvedPrefectTier {
  readonly settings: ResolvedPrefectSettings;
  readonly api: ResolvedApi;
  readonly backgroundServices: ResolvedPrefectWorkload & { readonly deploymentName: string };
  readonly migrations: ResolvedPrefectWorkload & { readonly timeoutSeconds: number };
}

/** The Prefect tier's configuration sections. */
export interface PrefectTierOptions {
  readonly api?: PrefectApiOptions;
  readonly backgroundServices?: PrefectBackgroundServicesOptions;
  readonly migrations?: PrefectMigrationOptions;
}

/** What the Prefect tier is resolved with. */
export interface PrefectTierContext {
  readonly names: ObjectNames;
  readonly scheduling: SchedulingOptions;
  readonly settings: ResolvedPrefectSettings;
  readonly edge: ResolvedEdge;
}

/** Labels that select a Prefect server component's pods (`api`, `background-services`, `migrate`). */
export function prefectSelector(instance: string, component: string): Record<string, string> {
  return selectorLabels({ instance, name: 'prefect', component });
}

function resolveApi(o: PrefectApiOptions, ctx: PrefectTierContext): ResolvedApi {
  const { scheduling, names } = ctx;
  const replicas = checkInt('api.replicas', o.replicas ?? DEFAULT_API_REPLICAS, 1, 100);
  const a = o.autoscaling;
  const autoscaling = a && {
    minReplicas: checkInt('api.autoscaling.minReplicas', a.minReplicas ?? 2, 1, 100),
    maxReplicas: checkInt('api.autoscaling.maxReplicas', a.maxReplicas, 1, 100),
    targetCpuUtilizationPercent: checkInt('api.autoscaling.targetCpuUtilizationPercent', a.targetCpuUtilizationPercent ?? 70, 10, 100),
  };
  if (autoscaling && autoscaling.minReplicas > autoscaling.maxReplicas) {
    fail('api.autoscaling.minReplicas', `${autoscaling.minReplicas} is above maxReplicas ${autoscaling.maxReplicas}`, 'lower minReplicas or raise maxReplicas');
  }
  const spread = o.spread ?? 'preferred';
  if (!['preferred', 'required'].includes(spread)) fail('api.spread', `"${spread}" is not a spread`, 'use preferred or required');
  const zoneSpread = o.zoneSpread ?? 'preferred';
  if (!['preferred', 'required'].includes(zoneSpread)) fail('api.zoneSpread', `"${zoneSpread}" is not a spread`, 'use preferred or required');
  const pod = resolvePod('api', scheduling, o);
  for (const [i, t] of pod.topologySpreadConstraints.entries()) {
    if (t.topologyKey === 'kubernetes.io/hostname' || t.topologyKey === 'topology.kubernetes.io/zone') {
      fail(
        `api.topologySpreadConstraints[${i}]`,
        `spreads over ${t.topologyKey}, which api.spread / api.zoneSpread already do`,
        'remove it and set api.spread or api.zoneSpread',
      );
    }
  }
  const podSelector = prefectSelector(names.instance, 'api');
  const serviceName = names.of('Service', 'api');
  const resources = resolveResources('api.resources', o.resources, API_RESOURCES);
  checkMemoryFloor('api.resources', resources, ...PREFECT_MEMORY_FLOOR.api, 'one API process');
  return {
    deploymentName: names.of('Deployment', 'api'),
    serviceName,
    serviceAccountName: names.of('ServiceAccount', 'api'),
    podSelector,
    endpoint: { peer: podsPeer(podSelector), port: PREFECT_API_PORT },
    routes: prefectRoutes(ctx.edge, {
      id: 'prefect',
      serviceName,
      servicePort: PREFECT_API_PORT,
      podSelector,
      why: 'the edge serves the UI and API',
      labels: componentLabels({ instance: names.instance, name: 'prefect', component: 'edge' }),
    }),
    replicas,
    autoscaling,
    minReplicas: autoscaling ? autoscaling.minReplicas : replicas,
    maxReplicas: autoscaling ? autoscaling.maxReplicas : replicas,
    surge: API_SURGE,
    spread,
    zoneSpread,
    resources,
    pod,
  };
}

/** Applies the defaults of the Prefect tier's sections once and checks every value. */
export function resolvePrefectTier(o: PrefectTierOptions, ctx: PrefectTierContext): ResolvedPrefectTier {
  const { scheduling, names } = ctx;
  const bg = o.backgroundServices ?? {};
  const mig = o.migrations ?? {};
  const bgResources = resolveResources('backgroundServices.resources', bg.resources, SERVICES_RESOURCES);
  checkMemoryFloor('backgroundServices.resources', bgResources, ...PREFECT_MEMORY_FLOOR.backgroundServices, 'the background services process');
  return {
    settings: ctx.settings,
    api: resolveApi(o.api ?? {}, ctx),
    backgroundServices: {
      deploymentName: names.of('Deployment', 'background-services'),
      serviceAccountName: names.of('ServiceAccount', 'background-services'),
      podSelector: prefectSelector(names.instance, 'background-services'),
      resources: bgResources,
      pod: resolvePod('backgroundServices', scheduling, bg),
    },
    migrations: {
      serviceAccountName: names.of('ServiceAccount', 'migrate'),
      podSelector: prefectSelector(names.instance, 'migrate'),
      resources: resolveResources('migrations.resources', mig.resources, MIGRATION_RESOURCES),
      pod: resolvePod('migrations', scheduling, mig),
      timeoutSeconds: checkInt('migrations.timeoutSeconds', mig.timeoutSeconds ?? 1800, 60, 86400),
    },
  };
}
