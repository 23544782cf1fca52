import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkSecretKeyRef, secretEnv, SecretKeyRef } from '../common/secrets';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { StorageProps, claimSpec } from '../common/storage';
import { checkQuantity, fail, quantityValue } from '../common/validate';
import { RedisConnection } from '../prefect/connections';
import { DataServerServices } from './data-server-services';
import { httpProbes } from '../common/probes';

/** The client port of the in-cluster Redis. */
export const REDIS_PORT = 6379;
/** redis_exporter's port (named `metrics`). */
export const REDIS_EXPORTER_PORT = 9121;
/** UID and GID of the official redis image's `redis` user. */
export const REDIS_UID = 999;
/** Below this Redis cannot hold Prefect's streams, dedup keys and leases for a few minutes of events. */
export const REDIS_MAXMEMORY_FLOOR = '64Mi';
/**
 * Prefect's Redis streams in db 0 (prefect-redis topics: events, actions, logs, worker-channel snapshots): the
 * exporter reports their length, groups and consumer lag (`redis_stream_group_lag`) for the background-lag alert.
 */
export const PREFECT_REDIS_STREAMS = ['events', 'actions', 'logs', 'work-pool-worker-channel-snapshots'] as const;

/** The in-cluster Redis (the `redis.inCluster:` section of the configuration file). */
export interface RedisOptions {
  /**
   * The Secret key holding the password (`requirepass`). Prefect puts it into a `redis://` URL: use URL-safe
   * characters (letters, digits, `-`, `_`, `.`, `~`).
   * @default - Secret "<instance>-redis", key "password"
   */
  readonly passwordSecret?: SecretKeyRef;
  /**
   * `maxmemory`, as a Kubernetes quantity; the policy is `noeviction` (Prefect's streams must never be evicted:
   * a full Redis fails writes loudly instead). At least 64Mi, and at most 75% of the memory limit (an AOF rewrite
   * forks and copies pages).
   * @default "512Mi"
   */
  readonly maxmemory?: string;
  /**
   * The AOF claim (`volumeClaimTemplates`).
   * @default - 4Gi of the default StorageClass: the AOF holds a few times maxmemory between rewrites
   */
  readonly storage?: StorageProps;
  /**
   * Container resources of Redis.
   * @default - requests cpu 100m / memory 768Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * Container resources of the redis_exporter sidecar.
   * @default - requests cpu 10m / memory 32Mi, limits cpu 200m / memory 128Mi
   */
  readonly exporterResources?: ResourcesProps;
}

/** Props of {@link Redis}. */
export interface RedisProps extends RedisOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
}

const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } };
const EXPORTER_RESOURCES = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } };

/**
 * Redis for Prefect's messaging, leases and Docket: a one-replica StatefulSet of the official image with AOF
 * persistence on a claim, `maxmemory` with `noeviction`, the password from a Secret (never in the config file or
 * dist/), and redis_exporter as a sidecar watching Prefect's streams.
 */
export class Redis extends Construct {
  /** The handle the Prefect tier takes. */
  public readonly connection: RedisConnection;
  /** The client Service (port {@link REDIS_PORT} `redis`, {@link REDIS_EXPORTER_PORT} `metrics`). */
  public readonly serviceName: string;
  public readonly headlessServiceName: string;
  public readonly statefulSetName: string;
  /** Labels that select the Redis pod. */
  public readonly podLabels: Record<string, string>;
  /** `maxmemory` in bytes. */
  public readonly maxmemoryBytes: number;
  public readonly passwordSecret: SecretKeyRef;

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const field = 'redis.inCluster';
    const instance = props.instance;
    this.passwordSecret = checkSecretKeyRef(`${field}.passwordSecret`, props.passwordSecret ?? { name: `${instance}-redis`, key: 'password' });
    const claim = claimSpec(`${field}.storage`, props.storage, '4Gi');
    const resources = resolveResources(`${field}.resources`, props.resources, DEFAULT_RESOURCES);
    const exporterResources = resolveResources(`${field}.exporterResources`, props.exporterResources, EXPORTER_RESOURCES);
    const maxmemory = checkQuantity(`${field}.maxmemory`, props.maxmemory ?? '512Mi');
    this.maxmemoryBytes = Math.floor(quantityValue(maxmemory));
    if (this.maxmemoryBytes < quantityValue(REDIS_MAXMEMORY_FLOOR)) {
      fail(`${field}.maxmemory`, `"${maxmemory}" is below the floor of ${REDIS_MAXMEMORY_FLOOR}`, `give at least ${REDIS_MAXMEMORY_FLOOR} (Prefect keeps its event streams, dedup keys and leases here)`);
    }
    const limit = props.resources?.limits?.memory ?? DEFAULT_RESOURCES.limits.memory;
    if (this.maxmemoryBytes > 0.75 * quantityValue(limit)) {
      fail(`${field}.maxmemory`, `"${maxmemory}" is above 75% of the memory limit ${limit}`, `lower it or raise ${field}.resources.limits.memory: an AOF rewrite forks, and the OOM killer would strike before noeviction`);
    }

    const c = { instance, name: 'redis', component: 'redis' };
    this.podLabels = selectorLabels(c);
    const image = props.images.ref('redis');
    const labels = componentLabels({ ...c, version: /:(\d+(\.\d+)*)/.exec(image)?.[1], tier: 'backend' });
    this.statefulSetName = `${instance}-redis`;
    this.serviceName = `${instance}-redis`;
    this.headlessServiceName = `${this.serviceName}-headless`;
    const configMapName = `${instance}-redis-config`;

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configMapName, labels },
      data: {
        'redis.conf': [
          '# cdk8s-prefect-stack. The password is not here: redis-server gets --requirepass from the Secret at start.',
          'bind * -::*',
          `port ${REDIS_PORT}`,
          'protected-mode yes',
          'dir /data',
          '# Durability: every write in the append-only file, fsynced each second (RDB snapshots off: the AOF has an RDB preamble).',
          'appendonly yes',
          'appendfsync everysec',
          'aof-use-rdb-preamble yes',
          'save ""',
          '# Prefect\'s streams must never be evicted: when full, writes fail loudly (and the memory alert fires).',
          `maxmemory ${this.maxmemoryBytes}`,
          'maxmemory-policy noeviction',
          'tcp-keepalive 60',
          'timeout 0',
          '',
        ].join('\n'),
      },
    });

    const auth = [secretEnv('REDISCLI_AUTH', this.passwordSecret)];
    // redis-cli reads REDISCLI_AUTH, so the password is never on a command line. LOADING (an AOF replay) is alive.
    const ping = (accept: string): k8s.Probe => ({ exec: { command: ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -Eq '${accept}'`] }, timeoutSeconds: 5 });
    const redis: k8s.Container = {
      name: 'redis',
      image,
      imagePullPolicy: props.images.pullPolicy,
      // Kubernetes expands $(REDIS_PASSWORD) from the Secret-backed variable: dist/ holds only the reference, and
      // redis-server rewrites its process title, so the value does not show in `ps` either.
      command: ['redis-server'],
      args: ['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
      env: [secretEnv('REDIS_PASSWORD', this.passwordSecret), ...auth],
      ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
      resources,
      securityContext: restrictedContainerSecurityContext(),
      startupProbe: { ...ping('PONG|LOADING'), periodSeconds: 5, failureThreshold: 120 },
      readinessProbe: { ...ping('PONG'), periodSeconds: 10, failureThreshold: 3 },
      livenessProbe: { ...ping('PONG|LOADING'), periodSeconds: 20, failureThreshold: 6 },
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'config', mountPath: '/etc/redis', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    };
    const exporter: k8s.Container = {
      name: 'exporter',
      image: props.images.ref('redisExporter'),
      imagePullPolicy: props.images.pullPolicy,
      args: [
        `--redis.addr=redis://127.0.0.1:${REDIS_PORT}`,
        `--web.listen-address=:${REDIS_EXPORTER_PORT}`,
        `--check-streams=${PREFECT_REDIS_STREAMS.map((s) => `db0=${s}`).join(',')}`,
      ],
      // REDIS_PASSWORD is the simplest form; the alternative, REDIS_PASSWORD_FILE, is a JSON map of URI to
      // password ({"redis://127.0.0.1:6379": "…"}), which would need the value written into a file.
      env: [secretEnv('REDIS_PASSWORD', this.passwordSecret)],
      ports: [{ name: 'metrics', containerPort: REDIS_EXPORTER_PORT, protocol: 'TCP' }],
      resources: exporterResources,
      securityContext: restrictedContainerSecurityContext(),
      ...httpProbes({ ready: '/health', port: 'metrics' }),
    };

    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: this.statefulSetName, labels },
      spec: {
        replicas: 1,
        serviceName: this.headlessServiceName,
        selector: { matchLabels: this.podLabels },
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ user: REDIS_UID, group: REDIS_UID }),
            // SIGTERM makes Redis fsync the AOF and exit; a big dataset needs a few seconds.
            terminationGracePeriodSeconds: 60,
            containers: [redis, exporter],
            volumes: [
              { name: 'config', configMap: { name: configMapName } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: componentLabels(c) }, spec: claim }],
      },
    });

    new DataServerServices(this, 'Services', {
      name: this.serviceName,
      labels,
      selector: this.podLabels,
      port: { name: 'redis', port: REDIS_PORT, appProtocol: 'redis' },
      metricsPort: REDIS_EXPORTER_PORT,
    });

    this.connection = { host: this.serviceName, port: REDIS_PORT, passwordSecret: this.passwordSecret, tls: false, podLabels: this.podLabels };
  }
}
