import { PrefectStackProps, SchedulingOptions } from '../charts';
import { AUTH, MINIMAL } from './util';

/** Stack-wide scheduling of the knob matrix: a dedicated, tainted node pool with a priority class. */
export const STACK_SCHEDULING: SchedulingOptions = {
  nodeSelector: { 'node-pool': 'prefect' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'prefect', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }],
    },
  },
  topologySpreadConstraints: [{ maxSkew: 2, topologyKey: 'example.com/rack', whenUnsatisfiable: 'ScheduleAnyway' }],
  priorityClassName: 'prefect-high',
};

/** What each component's own keys say in the knob matrix (they replace the stack-wide ones). */
export function componentKnobs(component: string) {
  return {
    nodeSelector: { 'node-pool': `pool-${component}` },
    podAnnotations: { 'example.com/component': component },
    podLabels: { 'example.com/cost': component },
    serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${component}` } },
  };
}

const EXPOSED = (host: string) => ({ host, allowUnauthenticated: true as const });

/**
 * Every component on, every pod knob set: stack-wide scheduling, pull Secrets, common metadata, and each
 * component's own node selector, pod metadata and ServiceAccount annotations.
 */
export const KNOBS: PrefectStackProps = {
  scheduling: STACK_SCHEDULING,
  commonLabels: { 'example.com/team': 'data-platform' },
  commonAnnotations: { 'example.com/owner': 'data-platform@example.com' },
  images: { registry: 'registry.example.com:5000/mirror', pullSecrets: ['registry-credentials'] },
  prefect: { externalUrl: 'https://prefect.example.com', authSecret: AUTH },
  api: { ...componentKnobs('api'), spread: 'required' },
  backgroundServices: componentKnobs('background-services'),
  migrations: componentKnobs('migrate'),
  worker: { ...componentKnobs('worker'), replicas: 2, jobs: componentKnobs('flow-run') },
  database: { inCluster: { ...componentKnobs('postgres'), backups: { ...componentKnobs('postgres-backup'), s3: { bucket: 'backups' } } } },
  redis: { inCluster: componentKnobs('redis') },
  admin: {
    pgadmin: { ...componentKnobs('pgadmin'), email: 'admin@example.com', passwordSecret: { name: 'pgadmin', key: 'password' } },
    redisUi: { ...componentKnobs('redis-ui'), expose: EXPOSED('redis.example.com') },
  },
  monitoring: {
    prefectBasicAuthSecret: { name: 'prefect-auth' },
    prefectExporter: { ...componentKnobs('prefect-exporter'), enabled: true },
    bundled: {
      prometheus: { ...componentKnobs('prometheus'), enabled: true },
      grafana: { ...componentKnobs('grafana'), enabled: true, adminPasswordSecret: { name: 'grafana', key: 'password' } },
    },
  },
};

/** The configurations of the pod-model matrix: each applies to the real API server in `test:cluster`. */
export const MATRIX: Array<[string, PrefectStackProps]> = [
  ['every knob', KNOBS],
  ['openshift, every knob', { ...KNOBS, platform: 'openshift' }],
  [
    'CloudNativePG, every knob',
    { ...KNOBS, database: { cloudNativePG: { ...componentKnobs('postgres'), backups: { ...componentKnobs('postgres-backup'), s3: { bucket: 'backups' } } } } },
  ],
  ['stack-wide scheduling only', { ...MINIMAL, scheduling: STACK_SCHEDULING, images: { pullSecrets: ['a', 'b'] } }],
  [
    'autoscaled API, hard spread on nodes and zones',
    { ...MINIMAL, api: { autoscaling: { minReplicas: 3, maxReplicas: 6 }, spread: 'required', zoneSpread: 'required' } },
  ],
];
