import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkSecretKeyRef, secretEnv, SecretKeyRef } from '../common/secrets';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { fail } from '../common/validate';
import { AdminExposeOptions, EdgeRoute, ResolvedEdge, adminRoute } from '../edge/edge-options';
import { RedisConnection } from '../prefect/connections';
import { httpProbes } from '../common/probes';

/** redis-commander's port (the seed's ARDM port). */
export const REDIS_COMMANDER_PORT = 8081;
/** RedisInsight's port. */
export const REDIS_INSIGHT_PORT = 5540;

/** The `admin.redisUi:` section of the configuration file. */
export interface RedisUiOptions {
  /**
   * Which web UI. The seed's ARDM (Another Redis Desktop Manager) is a desktop program with no web mode, so a web
   * UI takes its place: redis-commander (MIT, built-in HTTP auth) or RedisInsight (Redis Ltd., SSPL; no auth of its
   * own, so it needs auth at the edge).
   * @default "redis-commander"
   */
  readonly kind?: 'redis-commander' | 'redisinsight';
  /**
   * redis-commander's HTTP basic auth: the user name, and the Secret key holding the password.
   * @default - none: then exposing it needs expose.basicAuthSecret / authFilter, or allowUnauthenticated
   */
  readonly httpAuth?: { readonly user: string; readonly passwordSecret: SecretKeyRef };
  /**
   * redis-commander in read-only mode (browse, no writes or deletes).
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Container resources.
   * @default - redis-commander: requests cpu 20m / memory 64Mi, limits cpu 500m / memory 256Mi;
   *   RedisInsight: requests cpu 50m / memory 256Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * Publish the UI at the edge.
   * @default - not published: `kubectl port-forward svc/<instance>-redis-ui <port>`
   */
  readonly expose?: AdminExposeOptions;
}

/** Props of {@link RedisUi}. */
export interface RedisUiProps extends RedisUiOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
  /** The stack's Redis. */
  readonly redis: RedisConnection;
  readonly edge: ResolvedEdge;
}

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
  public readonly serviceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly port: number;
  public readonly route?: EdgeRoute;

  constructor(scope: Construct, id: string, props: RedisUiProps) {
    super(scope, id);
    const f = 'admin.redisUi';
    const kind = props.kind ?? 'redis-commander';
    if (!['redis-commander', 'redisinsight'].includes(kind)) fail(`${f}.kind`, `"${kind}" is not a supported UI`, 'use redis-commander or redisinsight');
    const insight = kind === 'redisinsight';
    if (insight && props.httpAuth) fail(`${f}.httpAuth`, 'is a redis-commander setting; RedisInsight has no login', 'remove it and put auth at the edge (expose.basicAuthSecret or expose.authFilter)');
    if (insight && props.readOnly) fail(`${f}.readOnly`, 'is a redis-commander setting', 'remove it');
    if (props.httpAuth) {
      if (typeof props.httpAuth.user !== 'string' || !/^[^:\s]{1,64}$/.test(props.httpAuth.user)) fail(`${f}.httpAuth.user`, `"${props.httpAuth.user}" is not a user name`, 'use 1-64 characters without spaces or ":"');
      checkSecretKeyRef(`${f}.httpAuth.passwordSecret`, props.httpAuth.passwordSecret);
    }
    this.port = insight ? REDIS_INSIGHT_PORT : REDIS_COMMANDER_PORT;
    const resources = resolveResources(`${f}.resources`, props.resources, insight
      ? { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } }
      : { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });

    const name = `${props.instance}-redis-ui`;
    const c = { instance: props.instance, name: kind, component: 'redis-ui' };
    this.podSelector = selectorLabels(c);
    this.serviceName = name;
    const labels = componentLabels({ ...c, tier: 'frontend' });
    this.route = props.expose && adminRoute(f, props.edge, props.expose, {
      id: 'redis-ui', serviceName: name, servicePort: this.port, ownAuth: Boolean(props.httpAuth), labels, pathSupported: !insight,
    });
    const path = props.expose?.path && props.expose.path !== '/' ? props.expose.path : '';
    const r = props.redis;

    let container: k8s.Container;
    if (!insight) {
      const connection: Record<string, unknown> = { label: props.instance, host: r.host, port: r.port, dbIndex: 0 };
      if (r.passwordSecret) connection.password = '$(REDIS_PASSWORD)';
      if (r.tls) connection.tls = true;
      container = {
        name: 'redis-commander',
        image: props.images.ref('redisCommander'),
        imagePullPolicy: props.images.pullPolicy,
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
          { name: 'READ_ONLY', value: String(props.readOnly ?? false) },
          ...(path ? [{ name: 'URL_PREFIX', value: path }] : []),
          ...(props.httpAuth ? [{ name: 'HTTP_USER', value: props.httpAuth.user }, secretEnv('HTTP_PASSWORD', props.httpAuth.passwordSecret)] : []),
        ],
        ports: [{ name: 'http', containerPort: REDIS_COMMANDER_PORT, protocol: 'TCP' }],
        resources,
        securityContext: restrictedContainerSecurityContext(),
        // /healthcheck answers "ok" without auth and without touching Redis: a Redis outage does not restart it.
        ...httpProbes({ ready: `${path}/healthcheck`, startupSeconds: 60 }),
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      };
    } else {
      container = {
        name: 'redisinsight',
        image: props.images.ref('redisInsight'),
        imagePullPolicy: props.images.pullPolicy,
        env: [
          { name: 'RI_APP_HOST', value: '0.0.0.0' },
          { name: 'RI_APP_PORT', value: String(REDIS_INSIGHT_PORT) },
          { name: 'RI_APP_FOLDER_ABSOLUTE_PATH', value: '/data' },
          { name: 'RI_FILES_LOGGER', value: 'false' },
          // Pre-set connection, re-read at every start.
          { name: 'RI_REDIS_HOST', value: r.host },
          { name: 'RI_REDIS_PORT', value: String(r.port) },
          { name: 'RI_REDIS_ALIAS', value: props.instance },
          ...(r.tls ? [{ name: 'RI_REDIS_TLS', value: 'true' }] : []),
          ...(r.passwordSecret ? [secretEnv('RI_REDIS_PASSWORD', r.passwordSecret)] : []),
        ],
        ports: [{ name: 'http', containerPort: REDIS_INSIGHT_PORT, protocol: 'TCP' }],
        resources,
        securityContext: restrictedContainerSecurityContext(),
        ...httpProbes({ ready: '/api/health', startupSeconds: 120 }),
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'data', mountPath: '/data' }],
      };
    }

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(insight ? { user: REDIS_INSIGHT_UID, group: REDIS_INSIGHT_UID } : { user: REDIS_COMMANDER_UID, group: REDIS_COMMANDER_UID }),
            containers: [container],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...(insight ? [{ name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }] : []),
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.podSelector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });
  }
}
