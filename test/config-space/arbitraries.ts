// The configuration space as fast-check arbitraries: valid configurations drawn from every top-level key of
// prefect-stack.yaml under the constructs' rules, and invalid ones, each a valid configuration with one value
// Kubernetes (or the stack) refuses, tagged with the key the error must name.
import fc from 'fast-check';
import { PrefectStackProps } from '../../charts';

/** Plain objects, as a YAML file gives them (cdk8s cannot render null-prototype objects). */
const rec = <T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.record(model, { noNullPrototype: true }) as fc.Arbitrary<T>;
/** Absent in a third of the draws (fast-check's default: one in five). */
const opt = <T>(a: fc.Arbitrary<T>, freq = 3) => fc.option(a, { nil: undefined, freq });
/** A record whose keys are all optional (absent, not undefined: the configuration file has no `key: null`). */
function partial<T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<Partial<T>> {
  return fc.record(model, { requiredKeys: [], noNullPrototype: true }) as fc.Arbitrary<Partial<T>>;
}

// ---------------------------------------------------------------------------------------------- Kubernetes values
const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split(''));
const inner = (chars: string) => fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength: 8 });
/** A DNS label that starts with a letter and ends with a letter or digit, 1–`max` characters. */
export const dnsLabel = (max = 20) =>
  fc.tuple(lower, inner(`${alnum}-`), fc.constantFrom(...alnum.split(''))).map(([a, b, c]) => `${a}${b}${c}`.slice(0, max).replace(/-+$/, ''));
const dnsSubdomain = fc.array(dnsLabel(12), { minLength: 2, maxLength: 3 }).map((p) => p.join('.'));
/** A qualified name as label and annotation keys use it: an optional DNS prefix, then a name part. */
const namePart = fc
  .tuple(fc.constantFrom(...`${alnum}ABCXYZ`.split('')), inner(`${alnum}-_.`), fc.constantFrom(...alnum.split('')))
  .map(([a, b, c]) => `${a}${b}${c}`);
const qualifiedKey = fc
  .tuple(opt(dnsSubdomain), namePart)
  .map(([prefix, name]) => (prefix ? `${prefix}/${name}` : name))
  // the stack sets these itself and refuses them in podLabels; Kubernetes reserves kubernetes.io/ for its own keys
  .filter((k) => !/(^|\.)(kubernetes\.io|k8s\.io)\//.test(k) && !k.startsWith('app.kubernetes.io/') && !k.startsWith('prefect.io/'));
const labelValue = fc.oneof(fc.constant(''), namePart);
const labels = fc.dictionary(qualifiedKey, labelValue, { maxKeys: 3, noNullPrototype: true });
const annotations = fc.dictionary(qualifiedKey, fc.string({ maxLength: 40 }), { maxKeys: 3, noNullPrototype: true });
const secretRef = rec({ name: dnsLabel(), key: fc.constantFrom('password', 'user', 'auth-string', 'tls.key', 'PASSWORD_1') });
const cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(8, 16, 24))
  .map(([a, b, p]) => (p === 8 ? `${a}.0.0.0/8` : p === 16 ? `${a}.${b}.0.0/16` : `${a}.${b}.7.0/24`));

/** A CPU limit ≥ its request, in the forms users write (millicores, decimals, whole cores). */
const cpuPair = fc
  .tuple(fc.constantFrom('50m', '100m', '0.25', '500m', '1'), fc.constantFrom('1', '1500m', '2', '4.5'))
  .map(([request, limit]) => ({ request, limit }));
/** A memory limit ≥ both its request and the floor (192Mi for the Prefect processes), binary and decimal suffixes. */
const memPair = fc
  .tuple(fc.constantFrom('64Mi', '128M', '192Mi', '200Mi'), fc.constantFrom('256Mi', '512M', '1Gi', '1.5Gi', '3G'))
  .map(([request, limit]) => ({ request, limit }));
const resources = fc.tuple(cpuPair, memPair, opt(fc.constantFrom('64Mi', '256Mi', '1Gi'))).map(([c, m, disk]) => ({
  requests: { cpu: c.request, memory: m.request },
  limits: { cpu: c.limit, memory: m.limit, ...(disk ? { ephemeralStorage: disk } : {}) },
}));
const storage = partial({ size: fc.constantFrom('1Gi', '20Gi', '500G', '1Ti'), storageClassName: opt(dnsLabel()) });

// ------------------------------------------------------------------------------------------------------ scheduling
const toleration = fc.oneof(
  rec({
    key: qualifiedKey,
    operator: fc.constant('Equal' as const),
    value: namePart,
    effect: fc.constantFrom('NoSchedule' as const, 'PreferNoSchedule' as const),
  }),
  rec({
    key: qualifiedKey,
    operator: fc.constant('Exists' as const),
    effect: fc.constant('NoExecute' as const),
    tolerationSeconds: fc.integer({ min: 0, max: 3600 }),
  }),
  rec({ operator: fc.constant('Exists' as const) }),
);
const nodeAffinity = rec({
  nodeAffinity: rec({
    preferredDuringSchedulingIgnoredDuringExecution: fc.array(
      rec({
        weight: fc.integer({ min: 1, max: 100 }),
        preference: rec({
          matchExpressions: fc
            .tuple(qualifiedKey, fc.array(namePart, { minLength: 1, maxLength: 2 }))
            .map(([key, values]) => [{ key, operator: 'In', values }]),
        }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
});
const spreads = fc.uniqueArray(
  rec({
    maxSkew: fc.integer({ min: 1, max: 3 }),
    topologyKey: fc.constantFrom('example.com/rack', 'example.com/room', 'node.example.com/pool'),
    whenUnsatisfiable: fc.constantFrom('DoNotSchedule', 'ScheduleAnyway'),
  }),
  { maxLength: 2, selector: (c) => `${c.topologyKey} ${c.whenUnsatisfiable}` },
);
/** Priority classes the cluster test creates (the Priority admission plugin refuses pods naming an unknown one). */
export const PRIORITY_CLASSES = ['prefect-high', 'prefect-batch'];
const scheduling = partial({
  nodeSelector: labels,
  tolerations: fc.array(toleration, { maxLength: 2 }),
  affinity: nodeAffinity,
  topologySpreadConstraints: spreads,
  priorityClassName: fc.constantFrom(...PRIORITY_CLASSES),
});
/** A component's pod keys: its own scheduling (replacing the stack-wide one), pod metadata, cloud identity. */
const podOptions = fc
  .tuple(scheduling, partial({ podAnnotations: annotations, podLabels: labels, serviceAccount: partial({ annotations }) }))
  .map(([s, p]) => ({ ...s, ...p }));
const withPod = <T extends object>(a: fc.Arbitrary<T>) => fc.tuple(a, fc.oneof(fc.constant({}), podOptions)).map(([x, p]) => ({ ...x, ...p }));

// ------------------------------------------------------------------------------------------------------ tiers
const cronField = (lo: number, hi: number) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min: lo, max: hi }).map(String),
    fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.max(1, hi - lo) }).map((s) => `*/${s}`),
  );
const cron = fc.oneof(
  fc
    .tuple(
      cronField(0, 59),
      cronField(0, 23),
      cronField(1, 28),
      fc.oneof(cronField(1, 12), fc.constantFrom('JAN', 'MAR-OCT')),
      fc.oneof(cronField(0, 6), fc.constantFrom('MON', 'MON-FRI', '?', 'SUN')),
    )
    .map((f) => f.join(' ')),
  fc.constantFrom('@daily', '@weekly', '@hourly', '@monthly'),
);
/** Zones of the IANA database every kube-apiserver build knows (Go's time.LoadLocation). */
const timeZone = fc.constantFrom(
  'Etc/UTC',
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'America/Argentina/Buenos_Aires',
);

const backups = withPod(
  partial({
    schedule: cron,
    timeZone,
    keep: partial({ daily: fc.integer({ min: 1, max: 14 }), weekly: fc.integer({ min: 0, max: 8 }), monthly: fc.integer({ min: 0, max: 12 }) }),
    storage,
    timeoutSeconds: fc.integer({ min: 60, max: 86400 }),
    s3: rec({
      bucket: dnsLabel().map((b) => `${b}-backups`),
      prefix: opt(fc.constantFrom('prefect/', 'backups/prod/')),
      region: opt(fc.constantFrom('eu-central-1', 'us-east-1')),
      endpoint: opt(fc.constant('https://s3.example.com')),
      cidrs: opt(fc.array(cidr, { minLength: 1, maxLength: 2 })),
    }),
  }),
);
const inClusterDatabase = withPod(
  partial({
    database: fc.constantFrom('prefect', 'orchestration'),
    storage,
    resources,
    maxConnections: fc.integer({ min: 200, max: 500 }),
    parameters: fc.constantFrom({ work_mem: '8MB' }, { log_min_duration_statement: '500' }),
    backups,
  }),
);
const cloudNativePgDatabase = withPod(
  partial({
    instances: fc.integer({ min: 1, max: 5 }),
    spread: fc.constantFrom('preferred' as const, 'required' as const),
    database: fc.constantFrom('prefect', 'orchestration'),
    owner: fc.constantFrom('prefect', 'orchestrator'),
    storage,
    resources,
    maxConnections: fc.integer({ min: 200, max: 500 }),
    parameters: fc.constantFrom({ work_mem: '8MB' }, { log_min_duration_statement: '500' }),
    postgresUid: fc.constantFrom(999, 26),
    backups: fc.oneof(backups, fc.constant({ enabled: false })),
  }),
);
const externalDatabase = fc.oneof(
  rec({ urlSecret: secretRef }),
  rec({
    host: dnsSubdomain,
    port: opt(fc.integer({ min: 1, max: 65535 })),
    database: opt(fc.constantFrom('prefect', 'db1')),
    userSecret: secretRef,
    passwordSecret: secretRef,
  }),
);
const database = fc.oneof(rec({ inCluster: inClusterDatabase }), rec({ cloudNativePG: cloudNativePgDatabase }), rec({ external: externalDatabase }));
const redis = fc.oneof(
  rec({ inCluster: withPod(partial({ maxmemory: fc.constantFrom('64Mi', '256Mi', '512Mi'), storage })) }),
  rec({ external: rec({ host: dnsSubdomain, port: opt(fc.integer({ min: 1, max: 65535 })), passwordSecret: opt(secretRef), tls: opt(fc.boolean()) }) }),
  rec({
    external: rec({
      sentinel: rec({
        hosts: fc.array(
          fc.tuple(dnsSubdomain, opt(fc.integer({ min: 1, max: 65535 }))).map(([h, p]) => (p === undefined ? h : `${h}:${p}`)),
          { minLength: 1, maxLength: 3 },
        ),
        masterName: opt(fc.constantFrom('mymaster', 'prefect', 'redis-ha.main_1')),
        passwordSecret: opt(secretRef),
      }),
      port: opt(fc.integer({ min: 1, max: 65535 })),
      passwordSecret: opt(secretRef),
    }),
  }),
);
const api = fc
  .tuple(
    fc.oneof(
      partial({ replicas: fc.integer({ min: 1, max: 6 }) }),
      fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }))
        .map(([min, extra]) => ({ autoscaling: { minReplicas: min, maxReplicas: min + extra } })),
    ),
    partial({
      resources,
      spread: fc.constantFrom('preferred' as const, 'required' as const),
      zoneSpread: fc.constantFrom('preferred' as const, 'required' as const),
    }),
  )
  .map(([a, b]) => ({ ...a, ...b }));
const worker = withPod(
  partial({
    enabled: fc.boolean(),
    workPool: fc.constantFrom('kubernetes', 'team-a.pool_1'),
    replicas: fc.integer({ min: 1, max: 3 }),
    limit: fc.integer({ min: 1, max: 50 }),
    resources,
    jobs: withPod(
      partial({
        resources,
        readOnlyRootFilesystem: fc.boolean(),
        finishedJobTtlSeconds: fc.integer({ min: 0, max: 86400 }),
        egress: rec({ cidrs: fc.array(cidr, { minLength: 1, maxLength: 2 }), ports: opt(fc.constantFrom([443], [443, 5432])) }),
      }),
    ),
    extraEnv: fc.constantFrom({ PREFECT_WORKER_QUERY_SECONDS: '5' }, { PREFECT_CLIENT_MAX_RETRIES: '8' }),
  }),
);

/** The edge, with the URL it serves and the authentication it requires (or the opt-out, on purpose). */
const edge = fc.oneof(
  fc.constant({ edge: { type: 'none' as const } }),
  fc
    .tuple(
      dnsSubdomain,
      fc.constantFrom('', '/prefect'),
      fc.boolean(),
      fc.constantFrom('ingress-nginx' as const, 'gateway-api' as const),
      fc.constantFrom('prefect', 'edge', 'optout'),
    )
    .map(([host, path, tls, type, auth]) => ({
      externalUrl: `${type === 'ingress-nginx' && tls ? 'https' : 'http'}://${host}${path}`,
      edge: {
        type,
        ...(type === 'gateway-api'
          ? {
              gateway: {
                name: 'e2e-gateway',
                namespace: 'gateways',
                ...(auth === 'edge' ? { authFilter: { group: 'traefik.io', kind: 'Middleware', name: 'sso' } } : {}),
              },
            }
          : {}),
        ...(type === 'ingress-nginx'
          ? {
              ingressNginx: { className: 'nginx', ...(auth === 'edge' ? { basicAuthSecret: 'edge-auth' } : {}) },
              ...(tls ? { tls: { secretName: 'prefect-tls' } } : {}),
            }
          : {}),
        ...(auth === 'optout' ? { allowUnauthenticated: true } : {}),
      },
      prefectAuth: auth === 'prefect',
    })),
);

const monitoring = partial({
  serviceMonitors: fc.boolean(),
  releaseLabel: fc.constantFrom('kube-prometheus-stack', 'monitoring'),
  scrapeInterval: fc.constantFrom('15s', '30s', '1m'),
  rules: partial({
    enabled: fc.boolean(),
    podRestarts: fc.integer({ min: 1, max: 10 }),
    runbookBaseUrl: fc.constant('https://runbooks.example.com/prefect'),
    labels: fc.constant({ team: 'data' }),
  }),
  dashboards: partial({ enabled: fc.boolean(), folder: fc.constantFrom('Prefect', 'Data Platform') }),
  prefectExporter: withPod(partial({ enabled: fc.boolean(), offsetMinutes: fc.integer({ min: 1, max: 60 }) })),
  bundled: fc.constantFrom(
    {},
    { prometheus: { enabled: true, retention: '7d' } },
    { prometheus: { enabled: true }, grafana: { enabled: true, adminPasswordSecret: { name: 'grafana', key: 'password' } } },
  ),
});

/**
 * Namespaces the cluster test creates for the generated stacks (a stack may also create its own). All carry the
 * suite's own prefix: the suites share one API server, and a dry-run over objects another suite really applied is
 * an update (CI once failed on environments.test.ts's prefect-prod: "updates to statefulset spec … are forbidden").
 */
export const NAMESPACES = ['cs-a', 'cs-b', 'cs-c', 'cs-prefect-prod'];

/** A configuration the stack must accept and the API server must admit. */
export const validConfig: fc.Arbitrary<PrefectStackProps> = rec({
  name: opt(fc.oneof(dnsLabel(35), fc.constant('p'), fc.constant('a234567890123456789012345678901234x'.slice(0, 35)))),
  namespace: fc.constantFrom(...NAMESPACES),
  platform: opt(fc.constant('openshift' as const), 2),
  version: opt(fc.constantFrom('3.9.1', '3.9.4', '3.10.0')),
  images: opt(
    partial({
      registry: fc.constantFrom('registry.example.com:5000/mirror', 'mirror.example.com', 'localhost:5000'),
      pullSecrets: fc.uniqueArray(dnsLabel(), { minLength: 1, maxLength: 2 }),
    }),
  ),
  scheduling: opt(scheduling),
  commonLabels: opt(labels),
  commonAnnotations: opt(annotations),
  logLevel: opt(fc.constantFrom('DEBUG' as const, 'WARNING' as const)),
  edge,
  api: opt(withPod(api)),
  backgroundServices: opt(withPod(partial({ resources }))),
  migrations: opt(withPod(partial({ resources, timeoutSeconds: fc.integer({ min: 60, max: 3600 }) }))),
  database,
  redis,
  worker: opt(worker),
  monitoring: opt(monitoring),
  networkPolicies: opt(
    partial({ enabled: fc.boolean(), internetEgress: rec({ cidrs: fc.array(cidr, { minLength: 1, maxLength: 2 }), ports: fc.constant([443]) }) }),
  ),
  pgadmin: fc.boolean(),
}).map((g) => {
  const prefect = {
    ...(g.version ? { version: g.version } : {}),
    ...(g.logLevel ? { logLevel: g.logLevel } : {}),
    ...('externalUrl' in g.edge ? { externalUrl: g.edge.externalUrl } : {}),
    ...('prefectAuth' in g.edge && g.edge.prefectAuth ? { authSecret: { name: 'prefect-auth', key: 'auth-string' } } : {}),
  };
  const inClusterDb = 'inCluster' in g.database || 'cloudNativePG' in g.database;
  // (the literal types of the model are narrower than the props' own; synth and the API server judge the values)
  const props = {
    ...(g.name !== undefined ? { name: g.name } : {}),
    namespace: g.namespace,
    ...(g.platform ? { platform: g.platform } : {}),
    ...(g.images ? { images: g.images } : {}),
    ...(g.scheduling ? { scheduling: g.scheduling } : {}),
    ...(g.commonLabels ? { commonLabels: g.commonLabels } : {}),
    ...(g.commonAnnotations ? { commonAnnotations: g.commonAnnotations } : {}),
    prefect,
    edge: g.edge.edge,
    ...(g.api ? { api: g.api } : {}),
    ...(g.backgroundServices ? { backgroundServices: g.backgroundServices } : {}),
    ...(g.migrations ? { migrations: g.migrations } : {}),
    database: g.database as PrefectStackProps['database'],
    redis: g.redis as PrefectStackProps['redis'],
    ...(g.worker ? { worker: g.worker } : {}),
    monitoring: {
      ...g.monitoring,
      // the exporter and the scrape of a password-protected API need the basic-auth Secret
      ...(prefect.authSecret ? { prefectBasicAuthSecret: { name: 'prefect-auth' } } : {}),
    },
    ...(g.networkPolicies ? { networkPolicies: g.networkPolicies } : {}),
    // pgAdmin registers the in-cluster database; with an external one it needs its host
    ...(g.pgadmin && inClusterDb ? { admin: { pgadmin: { email: 'admin@example.com', passwordSecret: { name: 'pgadmin', key: 'password' } } } } : {}),
  };
  return props as PrefectStackProps;
});

// ------------------------------------------------------------------------------------------------ invalid ones
/** One wrong value in an otherwise valid configuration, and the key the error must name. */
export interface Mutation {
  readonly class: string;
  readonly key: string;
  readonly props: PrefectStackProps;
}
type Mutator = (p: PrefectStackProps, bad: string) => Mutation;
const inClusterWith = (p: PrefectStackProps, backups: object): PrefectStackProps['database'] => ({
  inCluster: { ...p.database?.inCluster, backups: { ...p.database?.inCluster?.backups, ...backups } },
});

/** Each class: the values Kubernetes (or the stack) refuses, and how they enter a configuration. */
const MUTATIONS: Array<[string, fc.Arbitrary<string>, Mutator]> = [
  [
    'name',
    fc.constantFrom('Prefect', '1prefect', 'prefect_1', 'a'.repeat(36), 'prefect-', ''),
    (p, v) => ({ class: 'name', key: 'name', props: { ...p, name: v } }),
  ],
  [
    'namespace',
    fc.constantFrom('kube-system', 'kube-public', 'Prefect', 'a'.repeat(64)),
    (p, v) => ({ class: 'name', key: 'namespace', props: { ...p, namespace: v, createNamespace: true } }),
  ],
  [
    'quantity',
    fc.constantFrom('1.2.3', '-1', '2Gb', '1e', 'one', '0.5.Gi', '1Ki1'),
    (p, v) => ({ class: 'quantity', key: 'api.resources.limits.cpu', props: { ...p, api: { ...p.api, resources: { limits: { cpu: v } } } } }),
  ],
  [
    'quantity',
    fc.constantFrom('-256Mi', '1.5.Gi', 'Gi', '12 Mi'),
    (p, v) => ({
      class: 'quantity',
      key: 'worker.jobs.resources.requests.memory',
      props: { ...p, worker: { ...p.worker, enabled: true, jobs: { ...p.worker?.jobs, resources: { requests: { memory: v } } } } },
    }),
  ],
  [
    'cron',
    fc.constantFrom('0 5-1 * * *', '61 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '0 2 * * FOO', '* * * *', '@fortnightly'),
    (p, v) => ({ class: 'cron', key: 'database.inCluster.backups.schedule', props: { ...p, database: inClusterWith(p, { schedule: v }) } }),
  ],
  [
    'postgres setting',
    // the settings CloudNativePG fixes or blocks (its webhook refuses them), and the one the stack derives
    fc.constantFrom('wal_level', 'port', 'ssl', 'ssl_ciphers', 'recovery_target_lsn', 'hot_standby', 'max_connections'),
    (p, v) => ({
      class: 'postgres setting',
      key: `database.cloudNativePG.parameters.${v}`,
      props: { ...p, database: { cloudNativePG: { parameters: { [v]: 'on' } } } },
    }),
  ],
  [
    'time zone',
    fc.constantFrom('Mars/Olympus', 'Europe/Atlantis', 'UTC+2', 'local', 'Etc/GMT+15'),
    (p, v) => ({ class: 'time zone', key: 'database.inCluster.backups.timeZone', props: { ...p, database: inClusterWith(p, { timeZone: v }) } }),
  ],
  [
    'label key',
    fc.constantFrom('-bad', 'a/b/c', 'bad key', 'x'.repeat(64), 'Example.COM/x', '/x', 'example.com/'),
    (p, v) => ({ class: 'label key', key: `commonLabels.${v}`, props: { ...p, commonLabels: { [v]: 'x' } } }),
  ],
  [
    'label value',
    fc.constantFrom('has space', '-lead', 'trail-', 'v'.repeat(64), 'a/b'),
    (p, v) => ({ class: 'label value', key: 'commonLabels.team', props: { ...p, commonLabels: { team: v } } }),
  ],
  [
    'annotation key',
    fc.constantFrom('bad key', 'a/b/c', '-x', 'example..com/x'),
    (p, v) => ({ class: 'annotation key', key: `api.podAnnotations.${v}`, props: { ...p, api: { ...p.api, podAnnotations: { [v]: 'v' } } } }),
  ],
  [
    'port',
    fc.constantFrom('0', '65536', '-5', '80.5'),
    (p, v) => ({
      class: 'port',
      key: 'database.external.port',
      props: {
        ...p,
        database: {
          external: { host: 'db.example.com', port: Number(v), userSecret: { name: 'db', key: 'user' }, passwordSecret: { name: 'db', key: 'password' } },
        },
      },
    }),
  ],
  [
    'sentinel member',
    fc.constantFrom('sentinel:0', 'sentinel:65536', 'Sentinel-0:26379', 'sentinel-0:', 'redis://sentinel-0:26379', 'a:b:c'),
    (p, v) => ({
      class: 'host',
      key: 'redis.external.sentinel.hosts[1]',
      props: { ...p, redis: { external: { sentinel: { hosts: ['sentinel-0.redis:26379', v] } } } },
    }),
  ],
  [
    'toleration',
    fc.constantFrom('Exists+value', 'bad-op', 'seconds-without-NoExecute'),
    (p, v) => ({
      class: 'forbidden combination',
      key:
        v === 'bad-op'
          ? 'scheduling.tolerations[0].operator'
          : v === 'Exists+value'
            ? 'scheduling.tolerations[0].value'
            : 'scheduling.tolerations[0].tolerationSeconds',
      props: {
        ...p,
        scheduling: {
          ...p.scheduling,
          tolerations: [
            v === 'bad-op'
              ? { key: 'k', operator: 'In' as never }
              : v === 'Exists+value'
                ? { key: 'k', operator: 'Exists', value: 'v' }
                : { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 },
          ],
        },
      },
    }),
  ],
  [
    'combination',
    fc.constantFrom('grafana-alone', 'autoscaling-min-above-max', 'prefect-2', 'credential-env', 'unauthenticated-edge'),
    (p, v) => {
      switch (v) {
        case 'grafana-alone':
          return {
            class: 'forbidden combination',
            key: 'monitoring.bundled.grafana.enabled',
            props: { ...p, monitoring: { ...p.monitoring, bundled: { grafana: { enabled: true, adminPasswordSecret: { name: 'g', key: 'p' } } } } },
          };
        case 'autoscaling-min-above-max':
          return {
            class: 'forbidden combination',
            key: 'api.autoscaling.minReplicas',
            props: { ...p, api: { autoscaling: { minReplicas: 4, maxReplicas: 2 } } },
          };
        case 'prefect-2':
          return { class: 'forbidden combination', key: 'prefect.version', props: { ...p, prefect: { ...p.prefect, version: '2.20.3' } } };
        case 'credential-env':
          return {
            class: 'forbidden combination',
            key: 'worker.extraEnv.PREFECT_API_KEY',
            props: { ...p, worker: { ...p.worker, enabled: true, extraEnv: { PREFECT_API_KEY: 'pnu_123' } } },
          };
        default:
          return {
            class: 'forbidden combination',
            key: 'edge',
            props: { ...p, prefect: { ...p.prefect, externalUrl: 'https://prefect.example.com', authSecret: undefined }, edge: { type: 'ingress-nginx' } },
          };
      }
    },
  ],
];

/** An invalid configuration: a valid one with one mutation. */
export const invalidConfig: fc.Arbitrary<Mutation> = fc
  .tuple(validConfig, fc.oneof(...MUTATIONS.map(([, bad, mutate]) => bad.map((v) => (p: PrefectStackProps) => mutate(p, v)))))
  .map(([p, mutate]) => mutate(p));
