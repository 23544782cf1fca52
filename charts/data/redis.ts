import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels } from '../common/labels';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { secretEnv } from '../common/secrets';
import { StackContext } from '../common/stack-context';
import { DataServerServices } from './data-server-services';
import type { ResolvedRedis } from './resolve';

/** The client port of the in-cluster Redis. */
export const REDIS_PORT = 6379;
/** redis_exporter's port (named `metrics`). */
export const REDIS_EXPORTER_PORT = 9121;
/** UID and GID of the official redis image's `redis` user. */
export const REDIS_UID = 999;
/**
 * Prefect's Redis streams in db 0 (prefect-redis topics: events, actions, logs, worker-channel snapshots): the
 * exporter reports their length, groups and consumer lag (`redis_stream_group_lag`) for the background-lag alert.
 */
export const PREFECT_REDIS_STREAMS = ['events', 'actions', 'logs', 'work-pool-worker-channel-snapshots'] as const;

/** Labels that select the pods of the in-cluster Redis. */
export function redisSelector(instance: string): Record<string, string> {
  return selectorLabels({ instance, name: 'redis', component: 'redis' });
}

/**
 * Redis for Prefect's messaging, leases and Docket: a one-replica StatefulSet of the official image with AOF
 * persistence on a claim, `maxmemory` with `noeviction`, the password from a Secret (never in the config file or
 * dist/), and redis_exporter as a sidecar watching Prefect's streams.
 */
export class Redis extends Construct {
  constructor(scope: Construct, id: string, r: ResolvedRedis) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const c = { instance: ctx.instance, name: 'redis', component: 'redis' };
    const labels = componentLabels({ ...c, version: ctx.images.version('redis'), tier: 'backend' });
    const configMapName = r.configMapName;
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: r.serviceAccountName, labels, pod: r.pod });

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
          "# Prefect's streams must never be evicted: when full, writes fail loudly (and the memory alert fires).",
          `maxmemory ${r.maxmemoryBytes}`,
          'maxmemory-policy noeviction',
          'tcp-keepalive 60',
          'timeout 0',
          '',
        ].join('\n'),
      },
    });

    const auth = [secretEnv('REDISCLI_AUTH', r.passwordSecret)];
    // redis-cli reads REDISCLI_AUTH, so the password is never on a command line. LOADING (an AOF replay) is alive.
    const ping = (accept: string): k8s.Probe => ({
      exec: { command: ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -Eq '${accept}'`] },
      timeoutSeconds: 5,
    });
    const redis: k8s.Container = {
      name: 'redis',
      image: r.image,
      // Kubernetes expands $(REDIS_PASSWORD) from the Secret-backed variable: dist/ holds only the reference, and
      // redis-server rewrites its process title, so the value does not show in `ps` either.
      command: ['redis-server'],
      args: ['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
      env: [secretEnv('REDIS_PASSWORD', r.passwordSecret), ...auth],
      ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
      resources: r.resources,
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
      image: ctx.images.ref('redisExporter'),
      args: [
        `--redis.addr=redis://127.0.0.1:${REDIS_PORT}`,
        `--web.listen-address=:${REDIS_EXPORTER_PORT}`,
        `--check-streams=${PREFECT_REDIS_STREAMS.map((s) => `db0=${s}`).join(',')}`,
      ],
      // REDIS_PASSWORD is the simplest form; the alternative, REDIS_PASSWORD_FILE, is a JSON map of URI to
      // password ({"redis://127.0.0.1:6379": "…"}), which would need the value written into a file.
      env: [secretEnv('REDIS_PASSWORD', r.passwordSecret)],
      ports: [{ name: 'metrics', containerPort: REDIS_EXPORTER_PORT, protocol: 'TCP' }],
      resources: r.exporterResources,
      ...httpProbes({ ready: '/health', port: 'metrics' }),
    };

    const services = new DataServerServices(this, 'Services', {
      name: r.serviceName,
      labels,
      selector: r.podSelector,
      port: { name: 'redis', port: REDIS_PORT, appProtocol: 'redis' },
      metricsPort: REDIS_EXPORTER_PORT,
    });
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: r.statefulSetName, labels },
      spec: {
        replicas: 1,
        serviceName: services.headlessName,
        selector: { matchLabels: r.podSelector },
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: podTemplate(this, {
          labels,
          pod: r.pod,
          identity: { user: REDIS_UID, group: REDIS_UID },
          serviceAccountName: sa.name,
          // SIGTERM makes Redis fsync the AOF and exit; a big dataset needs a few seconds.
          terminationGracePeriodSeconds: 60,
          containers: [redis, exporter],
          volumes: [
            { name: 'config', configMap: { name: configMapName } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
          ],
        }),
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: componentLabels(c) }, spec: r.claim }],
      },
    });
    ctx.scrape({
      name: 'redis',
      service: r.serviceName,
      podSelector: r.podSelector,
      port: 'metrics',
      portNumber: REDIS_EXPORTER_PORT,
      path: '/metrics',
      why: 'Prometheus scrapes redis_exporter',
    });
  }
}
