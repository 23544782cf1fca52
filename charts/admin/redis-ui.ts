import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { secretEnv } from '../common/secrets';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { REDIS_COMMANDER_PORT, REDIS_INSIGHT_PORT, ResolvedRedisUi } from './resolve';

/**
 * redis-commander's image user (`redis`, uid 10000): its Dockerfile makes `config/*.json` readable by that owner and
 * group root only (`chmod ug+r,o-rwx`), so any other uid fails at start with EACCES on `config/default.json`.
 */
const REDIS_COMMANDER_UID = 10000;
/** A non-root uid for RedisInsight (it writes only to its emptyDirs here). */
const REDIS_INSIGHT_UID = 10001;

/**
 * A Redis web UI (frontend tier) in place of the seed's ARDM desktop app.
 *
 * redis-commander runs its node process directly (not the image's entrypoint, which writes a config file into the
 * read-only image): the connection comes from `NODE_CONFIG`, whose password is `$(REDIS_PASSWORD)`, expanded by
 * the kubelet from the Secret, so the manifest never holds it. `NOSAVE` keeps it from writing its config.
 * RedisInsight keeps its database in an emptyDir (connections are pre-set from the environment at every start).
 */
export class RedisUi extends Construct {
  constructor(scope: Construct, id: string, u: ResolvedRedisUi) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const insight = u.kind === 'redisinsight';
    const r = u.redis;
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: u.serviceAccountName, labels: u.labels, pod: u.pod });
    let container: k8s.Container;
    if (!insight) {
      const connection: Record<string, unknown> = { label: ctx.instance, host: r.host, port: r.port, dbIndex: 0 };
      if (r.passwordSecret) connection.password = '$(REDIS_PASSWORD)';
      if (r.tls) connection.tls = true;
      container = {
        name: 'redis-commander',
        image: ctx.images.ref('redisCommander'),
        workingDir: '/redis-commander',
        command: ['node', 'bin/redis-commander.js'],
        env: [
          // Must precede NODE_CONFIG, which references it.
          ...(r.passwordSecret ? [secretEnv('REDIS_PASSWORD', r.passwordSecret)] : []),
          { name: 'NODE_ENV', value: 'production' },
          { name: 'NODE_CONFIG', value: JSON.stringify({ connections: [connection] }) },
          { name: 'NOSAVE', value: 'true' },
          { name: 'ADDRESS', value: '0.0.0.0' },
          { name: 'PORT', value: String(REDIS_COMMANDER_PORT) },
          { name: 'READ_ONLY', value: String(u.readOnly) },
          ...(u.path ? [{ name: 'URL_PREFIX', value: u.path }] : []),
          ...(u.httpAuth ? [{ name: 'HTTP_USER', value: u.httpAuth.user }, secretEnv('HTTP_PASSWORD', u.httpAuth.passwordSecret)] : []),
        ],
        ports: [{ name: 'http', containerPort: REDIS_COMMANDER_PORT, protocol: 'TCP' }],
        resources: u.resources,
        // /healthcheck answers "ok" without auth and without touching Redis: a Redis outage does not restart it.
        ...httpProbes({ ready: `${u.path}/healthcheck`, startupSeconds: 60 }),
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      };
    } else {
      container = {
        name: 'redisinsight',
        image: ctx.images.ref('redisInsight'),
        env: [
          { name: 'RI_APP_HOST', value: '0.0.0.0' },
          { name: 'RI_APP_PORT', value: String(REDIS_INSIGHT_PORT) },
          { name: 'RI_APP_FOLDER_ABSOLUTE_PATH', value: '/data' },
          { name: 'RI_FILES_LOGGER', value: 'false' },
          // Pre-set connection, re-read at every start.
          { name: 'RI_REDIS_HOST', value: r.host },
          { name: 'RI_REDIS_PORT', value: String(r.port) },
          { name: 'RI_REDIS_ALIAS', value: ctx.instance },
          ...(r.tls ? [{ name: 'RI_REDIS_TLS', value: 'true' }] : []),
          ...(r.passwordSecret ? [secretEnv('RI_REDIS_PASSWORD', r.passwordSecret)] : []),
        ],
        ports: [{ name: 'http', containerPort: REDIS_INSIGHT_PORT, protocol: 'TCP' }],
        resources: u.resources,
        ...httpProbes({ ready: '/api/health', startupSeconds: 120 }),
        volumeMounts: [
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'data', mountPath: '/data' },
        ],
      };
    }

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: u.name, labels: u.labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: u.podSelector },
        template: podTemplate(this, {
          labels: u.labels,
          pod: u.pod,
          identity: insight ? { user: REDIS_INSIGHT_UID, group: REDIS_INSIGHT_UID } : { user: REDIS_COMMANDER_UID, group: REDIS_COMMANDER_UID },
          serviceAccountName: sa.name,
          containers: [container],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ...(insight ? [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }] : []),
          ],
        }),
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: u.name, labels: u.labels },
      spec: {
        type: 'ClusterIP',
        selector: u.podSelector,
        ports: [{ name: 'http', port: u.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });
    ctx.allow(podsPeer(u.podSelector), r.endpoint.peer, [r.endpoint.port], 'the Redis UI browses Redis');
    if (u.route) ctx.expose(u.route);
  }
}
