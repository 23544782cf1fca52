import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkSecretKeyRef, secretEnv, SecretKeyRef } from '../common/secrets';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { checkDnsSubdomain, checkInt, checkQuantity, fail } from '../common/validate';
import { AdminExposeOptions, EdgeRoute, ResolvedEdge, adminRoute } from '../edge/edge-options';
import { DatabaseConnection } from '../prefect/connections';
import { httpProbes } from '../common/probes';

/** pgAdmin's HTTP port: unprivileged, so the container needs no capability. */
export const PGADMIN_PORT = 8080;

/** The `admin.pgadmin:` section of the configuration file. */
export interface PgAdminOptions {
  /** E-mail address of pgAdmin's first administrator (its login name). */
  readonly email: string;
  /** The Secret key holding that administrator's password (read at the first start, when pgAdmin creates its database). */
  readonly passwordSecret: SecretKeyRef;
  /**
   * The server pre-registered in pgAdmin (servers.json), replaced at every start.
   * @default - the stack's PostgreSQL (host, port and database from the data tier), user "prefect", SSL mode "prefer"
   */
  readonly server?: {
    /** @default - the stack's database host */
    readonly host?: string;
    /** @default - the stack's database port */
    readonly port?: number;
    /** @default - the stack's database name */
    readonly maintenanceDb?: string;
    /** The role pgAdmin logs in as; pgAdmin asks for its password at the first connect and may store it encrypted. @default "prefect" */
    readonly username?: string;
    /** @default "prefer" */
    readonly sslMode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  };
  /**
   * Size of the claim for `/var/lib/pgadmin` (pgAdmin's SQLite database, saved queries, stored passwords).
   * @default "1Gi"
   */
  readonly storage?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Container resources.
   * @default - requests cpu 50m / memory 256Mi, limits cpu 1 / memory 768Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * Publish pgAdmin at the edge (its login page is its auth).
   * @default - not published: `kubectl port-forward svc/<instance>-pgadmin 8080`
   */
  readonly expose?: AdminExposeOptions;
}

/** Props of {@link PgAdmin}. */
export interface PgAdminProps extends PgAdminOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
  /** The stack's database, pre-registered in pgAdmin. */
  readonly database: DatabaseConnection;
  readonly edge: ResolvedEdge;
}

const DEFAULT_RESOURCES = {
  requests: { cpu: '50m', memory: '256Mi' },
  limits: { cpu: '1', memory: '768Mi' },
};

/** The image's uid and gid (`pgadmin`). */
const PGADMIN_UID = 5050;

/**
 * pgAdmin 4 (frontend tier): one replica (its sessions live in one process) with `strategy: Recreate` (two pods
 * must never open the SQLite database on the claim together). servers.json from a ConfigMap registers the stack's
 * Postgres at every start. pgAdmin needs no database password: it asks at the first connect and can keep it
 * encrypted in its own database, so the frontend pod never holds the database's credentials.
 * Read-only root filesystem: our config_distro.py is mounted (the entrypoint only writes it when empty), and the
 * paths pgAdmin writes are the claim, /tmp and /var/log/pgadmin.
 */
export class PgAdmin extends Construct {
  public readonly serviceName: string;
  public readonly podSelector: Record<string, string>;
  public readonly port = PGADMIN_PORT;
  /** The edge route when exposed. */
  public readonly route?: EdgeRoute;

  constructor(scope: Construct, id: string, props: PgAdminProps) {
    super(scope, id);
    const f = 'admin.pgadmin';
    if (typeof props.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      fail(`${f}.email`, `"${props.email}" is not an e-mail address`, 'pgAdmin logs in with an e-mail address, e.g. admin@example.com');
    }
    const passwordSecret = checkSecretKeyRef(`${f}.passwordSecret`, props.passwordSecret);
    const s = props.server ?? {};
    const host = s.host ?? props.database.host;
    if (!host) fail(`${f}.server.host`, 'is missing (the database is given as a whole URL)', 'name the PostgreSQL host pgAdmin registers');
    checkDnsSubdomain(`${f}.server.host`, host);
    const port = checkInt(`${f}.server.port`, s.port ?? props.database.port ?? 5432, 1, 65535);
    const storage = checkQuantity(`${f}.storage`, props.storage ?? '1Gi');
    const resources = resolveResources(`${f}.resources`, props.resources, DEFAULT_RESOURCES);

    const name = `${props.instance}-pgadmin`;
    const c = { instance: props.instance, name: 'pgadmin', component: 'pgadmin' };
    this.podSelector = selectorLabels(c);
    this.serviceName = name;
    const labels = componentLabels({ ...c, tier: 'frontend' });
    const path = props.expose?.path && props.expose.path !== '/' ? props.expose.path : '';
    this.route = props.expose && adminRoute(f, props.edge, props.expose, {
      id: 'pgadmin', serviceName: name, servicePort: PGADMIN_PORT, ownAuth: true, labels, pathSupported: true,
    });

    const servers = {
      Servers: {
        1: {
          Name: `${props.instance} (Prefect)`,
          Group: 'Prefect stack',
          Host: host,
          Port: port,
          MaintenanceDB: s.maintenanceDb ?? props.database.database ?? 'postgres',
          Username: s.username ?? 'prefect',
          SSLMode: s.sslMode ?? 'prefer',
          // Every administrator sees it, not only the first.
          Shared: true,
        },
      },
    };
    const configName = `${name}-config`;
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configName, labels },
      data: {
        'servers.json': `${JSON.stringify(servers, null, 2)}\n`,
        // Non-empty, so the entrypoint does not try to write it onto the read-only root filesystem.
        'config_distro.py': [
          '# Written by cdk8s-prefect-stack (replaces the file the entrypoint would generate).',
          "CA_FILE = '/etc/ssl/certs/ca-certificates.crt'",
          "LOG_FILE = '/dev/null'",
          "HELP_PATH = '../../docs'",
          // No Internet egress: the upgrade check would only time out.
          'UPGRADE_CHECK_ENABLED = False',
          "DEFAULT_BINARY_PATHS = {'pg': '/usr/local/pgsql-17', 'pg-17': '/usr/local/pgsql-17', 'pg-16': '/usr/local/pgsql-16', 'pg-15': '/usr/local/pgsql-15', 'pg-14': '/usr/local/pgsql-14'}",
          '',
        ].join('\n'),
      },
    });

    const claimName = `${name}-data`;
    new k8s.KubePersistentVolumeClaim(this, 'Data', {
      metadata: { name: claimName, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storage) } },
      },
    });

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ user: PGADMIN_UID, group: PGADMIN_UID }),
            containers: [{
              name: 'pgadmin',
              image: props.images.ref('pgadmin'),
              imagePullPolicy: props.images.pullPolicy,
              env: [
                { name: 'PGADMIN_LISTEN_PORT', value: String(PGADMIN_PORT) },
                { name: 'PGADMIN_DISABLE_POSTFIX', value: 'true' },
                { name: 'PGADMIN_DEFAULT_EMAIL', value: props.email },
                secretEnv('PGADMIN_DEFAULT_PASSWORD', passwordSecret),
                { name: 'PGADMIN_SERVER_JSON_FILE', value: '/pgadmin4/servers.json' },
                { name: 'PGADMIN_REPLACE_SERVERS_ON_STARTUP', value: 'True' },
                // Served below a path prefix: gunicorn takes the prefix from SCRIPT_NAME (the edge does not rewrite).
                ...(path ? [{ name: 'SCRIPT_NAME', value: path }] : []),
              ],
              ports: [{ name: 'http', containerPort: PGADMIN_PORT, protocol: 'TCP' }],
              resources,
              // The image's python carries cap_net_bind_service as a file capability: exec needs it in the bounding set.
              securityContext: restrictedContainerSecurityContext({ netBindService: true }),
              // The first start creates the SQLite database and imports servers.json: allow it two minutes.
              ...httpProbes({ ready: `${path}/misc/ping`, startupSeconds: 120 }),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/pgadmin' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'log', mountPath: '/var/log/pgadmin' },
                { name: 'config', mountPath: '/pgadmin4/servers.json', subPath: 'servers.json', readOnly: true },
                { name: 'config', mountPath: '/pgadmin4/config_distro.py', subPath: 'config_distro.py', readOnly: true },
              ],
            }],
            volumes: [
              { name: 'data', persistentVolumeClaim: { claimName } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              { name: 'log', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              { name: 'config', configMap: { name: configName } },
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
        ports: [{ name: 'http', port: PGADMIN_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });
  }
}
