import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkSecretKeyRef, secretEnv, SecretKeyRef } from '../common/secrets';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { StorageProps, claimSpec } from '../common/storage';
import { checkInt, fail, quantityValue } from '../common/validate';
import { DatabaseConnection } from '../prefect/connections';
import { ConnectionBudget, postgresMaxConnections } from './max-connections';
import { DATA_SCRIPTS, dataScript } from './scripts';
import { DataServerServices } from './data-server-services';
import { httpProbes } from '../common/probes';

/** The client port of the in-cluster PostgreSQL. */
export const POSTGRES_PORT = 5432;
/** postgres_exporter's port (named `metrics`). */
export const POSTGRES_EXPORTER_PORT = 9187;
/** UID and GID of the official postgres image's `postgres` user. */
export const POSTGRES_UID = 999;
/**
 * postgres_exporter's role: member of pg_monitor only, no password. It logs in over the pod's local socket (which the
 * official image's initdb trusts, and only this pod's containers can reach), never over TCP.
 */
export const POSTGRES_MONITOR_ROLE = 'postgres_exporter';

const DATA_MOUNT = '/var/lib/postgresql/data';
/** A subdirectory of the claim: initdb refuses a non-empty directory, and a fresh volume may hold lost+found. */
const PGDATA = `${DATA_MOUNT}/pgdata`;
/** The server's socket directory: an emptyDir shared with the exporter sidecar. */
const SOCKET_DIR = '/var/run/postgresql';

/** The in-cluster PostgreSQL (the `database.inCluster:` section of the configuration file). */
export interface PostgresOptions {
  /**
   * The database Prefect uses; created on a fresh server, and on an existing one before every migration.
   * @default "prefect"
   */
  readonly database?: string;
  /**
   * The superuser's name (POSTGRES_USER of the official image). For an existing data directory give the
   * superuser it was created with.
   * @default "postgres"
   */
  readonly superuser?: string;
  /**
   * The Secret key holding the superuser's password (POSTGRES_PASSWORD; only read when the data directory is created).
   * @default - Secret "<instance>-postgres", key "postgres-password"
   */
  readonly superuserPasswordSecret?: SecretKeyRef;
  /**
   * The Secret key holding the name of Prefect's role (owner of its database, not a superuser).
   * @default - Secret "<instance>-postgres", key "username"
   */
  readonly userSecret?: SecretKeyRef;
  /**
   * The Secret key holding Prefect's password; re-applied to the role before every migration, so rotating it is
   * "change the Secret, run the migrate Job, restart the pods".
   * @default - Secret "<instance>-postgres", key "password"
   */
  readonly passwordSecret?: SecretKeyRef;
  /**
   * The data claim (`volumeClaimTemplates`).
   * @default - 20Gi of the default StorageClass: Prefect's events and logs grow about 1 GiB a week on a busy server
   */
  readonly storage?: StorageProps;
  /**
   * Container resources of PostgreSQL; `shared_buffers` is a quarter of the memory limit.
   * @default - requests cpu 250m / memory 1Gi, limits cpu 2 / memory 2Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * `max_connections`. It must cover every pool of the Prefect tier (README "Sizing max_connections").
   * @default - derived from the API replicas (or maxReplicas) and `prefect.databasePool` by postgresMaxConnections()
   */
  readonly maxConnections?: number;
  /**
   * Further server settings, passed as `postgres -c name=value` (e.g. `work_mem: 8MB`).
   * @default - none
   */
  readonly parameters?: { [name: string]: string };
  /**
   * Container resources of the postgres_exporter sidecar.
   * @default - requests cpu 10m / memory 32Mi, limits cpu 200m / memory 128Mi
   */
  readonly exporterResources?: ResourcesProps;
}

/** Props of {@link Postgres}. */
export interface PostgresProps extends PostgresOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
  /**
   * What the Prefect tier will open, for `max_connections`.
   * @default - DEFAULT_CONNECTION_BUDGET
   */
  readonly connectionBudget?: Partial<ConnectionBudget>;
}

const DEFAULT_STORAGE = '20Gi';
const DEFAULT_RESOURCES = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } };
const EXPORTER_RESOURCES = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } };
const INIT_RESOURCES: k8s.ResourceRequirements = {
  requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
  limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
};
/** Settings the stack derives; `parameters` may not set them. */
const MANAGED_PARAMETERS = ['max_connections', 'superuser_reserved_connections', 'data_directory', 'hba_file', 'port', 'listen_addresses', 'unix_socket_directories'];
const SUPERUSER_RESERVED = 3;


/**
 * PostgreSQL for Prefect: a one-replica StatefulSet of the official image with its data on a claim, a headless
 * Service (the StatefulSet's identity) and a client Service, postgres_exporter as a sidecar, and the scripts that
 * create Prefect's role, database and pg_trgm (at initdb, and idempotently before every migration).
 */
export class Postgres extends Construct {
  /** The handle the Prefect tier takes. */
  public readonly connection: DatabaseConnection;
  /** The client Service (port {@link POSTGRES_PORT} `postgres`, {@link POSTGRES_EXPORTER_PORT} `metrics`). */
  public readonly serviceName: string;
  public readonly headlessServiceName: string;
  public readonly statefulSetName: string;
  /** Labels that select the PostgreSQL pod. */
  public readonly podLabels: Record<string, string>;
  /** The ConfigMap of the data tier's scripts (ensure-database, backup, prune, restore). */
  public readonly scriptsConfigMapName: string;
  public readonly image: string;
  public readonly pullPolicy: string;
  public readonly database: string;
  public readonly superuser: string;
  public readonly superuserPasswordSecret: SecretKeyRef;
  public readonly userSecret: SecretKeyRef;
  public readonly passwordSecret: SecretKeyRef;
  /** The `max_connections` the server runs with. */
  public readonly maxConnections: number;
  /** Size of the data claim in bytes (`storage.size`), for the monitoring's database-size alert. */
  public readonly storageBytes: number;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const field = 'database.inCluster';
    const instance = props.instance;
    this.database = props.database ?? 'prefect';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.database)) {
      fail(`${field}.database`, `"${this.database}" is not a plain database name`, "use lower-case letters, digits and '_' (at most 63, not starting with a digit)");
    }
    this.superuser = props.superuser ?? 'postgres';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.superuser)) {
      fail(`${field}.superuser`, `"${this.superuser}" is not a plain role name`, "use lower-case letters, digits and '_'");
    }
    const secret = `${instance}-postgres`;
    this.superuserPasswordSecret = checkSecretKeyRef(`${field}.superuserPasswordSecret`, props.superuserPasswordSecret ?? { name: secret, key: 'postgres-password' });
    this.userSecret = checkSecretKeyRef(`${field}.userSecret`, props.userSecret ?? { name: secret, key: 'username' });
    this.passwordSecret = checkSecretKeyRef(`${field}.passwordSecret`, props.passwordSecret ?? { name: secret, key: 'password' });
    const claim = claimSpec(`${field}.storage`, props.storage, DEFAULT_STORAGE);
    this.storageBytes = quantityValue(props.storage?.size ?? DEFAULT_STORAGE);
    const resources = resolveResources(`${field}.resources`, props.resources, DEFAULT_RESOURCES);
    const exporterResources = resolveResources(`${field}.exporterResources`, props.exporterResources, EXPORTER_RESOURCES);

    const needed = postgresMaxConnections({ ...props.connectionBudget, superuserReserved: SUPERUSER_RESERVED });
    this.maxConnections = props.maxConnections === undefined ? needed : checkInt(`${field}.maxConnections`, props.maxConnections, 10, 10000);
    if (this.maxConnections < needed) {
      fail(`${field}.maxConnections`, `${this.maxConnections} is below the ${needed} the Prefect tier can open (README "Sizing max_connections")`,
        `raise it to at least ${needed}, lower prefect.databasePool, or leave it unset to derive it`);
    }
    const parameters: Record<string, string> = {
      // A quarter of the memory limit, PostgreSQL's usual advice; the rest is work_mem and the page cache.
      shared_buffers: `${Math.max(16, Math.floor(quantityValue(props.resources?.limits?.memory ?? DEFAULT_RESOURCES.limits.memory) / 4 / 2 ** 20))}MB`,
      password_encryption: 'scram-sha-256',
      log_min_duration_statement: '2s',
    };
    for (const [name, value] of Object.entries(props.parameters ?? {})) {
      if (!/^[a-z_][a-z0-9_.]*$/.test(name)) fail(`${field}.parameters.${name}`, 'is not a PostgreSQL setting name', 'use the name from postgresql.conf, e.g. work_mem');
      if (MANAGED_PARAMETERS.includes(name)) fail(`${field}.parameters.${name}`, 'is managed by the stack', name === 'max_connections' ? `set ${field}.maxConnections instead` : 'remove it');
      if (typeof value !== 'string' || /[\n\r]/.test(value)) fail(`${field}.parameters.${name}`, `${JSON.stringify(value)} is not a one-line string`, 'quote the value');
      parameters[name] = value;
    }
    parameters.max_connections = String(this.maxConnections);
    parameters.superuser_reserved_connections = String(SUPERUSER_RESERVED);

    this.image = props.images.ref('postgres');
    this.pullPolicy = props.images.pullPolicy;
    const c = { instance, name: 'postgresql', component: 'postgres' };
    this.podLabels = selectorLabels(c);
    const version = /:(\d+(\.\d+)*)/.exec(this.image)?.[1];
    const labels = componentLabels({ ...c, version, tier: 'backend' });
    this.statefulSetName = `${instance}-postgres`;
    this.serviceName = `${instance}-postgres`;
    this.headlessServiceName = `${this.serviceName}-headless`;
    this.scriptsConfigMapName = `${instance}-postgres-scripts`;

    const scripts = Object.fromEntries(DATA_SCRIPTS.map((f) => [f, dataScript(f)]));
    new k8s.KubeConfigMap(this, 'Scripts', { metadata: { name: this.scriptsConfigMapName, labels }, data: scripts });

    const pgIsReady: k8s.Probe = { exec: { command: ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', this.superuser, '-d', 'postgres'] }, timeoutSeconds: 5 };
    const postgres: k8s.Container = {
      name: 'postgres',
      image: this.image,
      imagePullPolicy: this.pullPolicy,
      // The official entrypoint (initdb on an empty PGDATA, then /docker-entrypoint-initdb.d) stays; only settings are ours.
      args: ['postgres', ...Object.entries(parameters).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
      env: [
        { name: 'PGDATA', value: PGDATA },
        { name: 'POSTGRES_USER', value: this.superuser },
        secretEnv('POSTGRES_PASSWORD', this.superuserPasswordSecret),
        // The local socket (an emptyDir shared only by this pod's containers) is trusted: the exporter's way in.
        { name: 'POSTGRES_INITDB_ARGS', value: '--encoding=UTF8 --locale=C.UTF-8 --auth-host=scram-sha-256 --auth-local=trust' },
        // Read by the init script (ensure-database.sh) on a fresh data directory.
        ...this.ensureDatabaseEnv(),
      ],
      ports: [{ name: 'postgres', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
      resources,
      securityContext: restrictedContainerSecurityContext(),
      // Crash recovery or an init of a big restore can take minutes: liveness starts only after the first success.
      startupProbe: { ...pgIsReady, periodSeconds: 5, failureThreshold: 360 },
      readinessProbe: { ...pgIsReady, periodSeconds: 10, failureThreshold: 3 },
      livenessProbe: { ...pgIsReady, periodSeconds: 20, failureThreshold: 6 },
      // SIGTERM is PostgreSQL's "smart" shutdown, which waits for every pooled client to leave; a fast shutdown
      // disconnects them and writes a shutdown checkpoint, so the next start needs no crash recovery.
      lifecycle: { preStop: { exec: { command: ['pg_ctl', 'stop', '-D', PGDATA, '-m', 'fast', '-w', '-t', '100'] } } },
      volumeMounts: [
        { name: 'data', mountPath: DATA_MOUNT },
        { name: 'run', mountPath: SOCKET_DIR },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'shm', mountPath: '/dev/shm' },
        { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
      ],
    };
    const exporter: k8s.Container = {
      name: 'exporter',
      image: props.images.ref('postgresExporter'),
      imagePullPolicy: this.pullPolicy,
      args: [`--web.listen-address=:${POSTGRES_EXPORTER_PORT}`],
      env: [
        // Prefect's database: the stat_user_tables collector reports only the tables of the database it connects
        // to (the server-wide collectors are the same from any database).
        // As the pg_monitor role over the local socket: no password, no superuser.
        { name: 'DATA_SOURCE_NAME', value: `host=${SOCKET_DIR} port=${POSTGRES_PORT} user=${POSTGRES_MONITOR_ROLE} dbname=${this.database} sslmode=disable` },
      ],
      volumeMounts: [{ name: 'run', mountPath: SOCKET_DIR, readOnly: true }],
      ports: [{ name: 'metrics', containerPort: POSTGRES_EXPORTER_PORT, protocol: 'TCP' }],
      resources: exporterResources,
      securityContext: restrictedContainerSecurityContext(),
      // "/" is the landing page: it does not query the database, so a database outage does not restart the exporter.
      ...httpProbes({ ready: '/', port: 'metrics' }),
    };
    const podSpec: k8s.PodSpec = {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext({ user: POSTGRES_UID, group: POSTGRES_UID }),
      // The preStop fast shutdown is bounded by 100 s; the rest is slack before SIGKILL.
      terminationGracePeriodSeconds: 120,
      containers: [postgres, exporter],
      volumes: [
        { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
        // The container runtime's 64 MiB /dev/shm is too small for parallel query's dynamic shared memory.
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('256Mi') } },
        { name: 'initdb', configMap: { name: this.scriptsConfigMapName, defaultMode: 0o555, items: [{ key: 'ensure-database.sh', path: '10-prefect-database.sh' }] } },
      ],
    };

    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: this.statefulSetName, labels },
      spec: {
        replicas: 1,
        serviceName: this.headlessServiceName,
        selector: { matchLabels: this.podLabels },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        // The data outlives the StatefulSet: deleting or scaling it never deletes the claim.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: { metadata: { labels }, spec: podSpec },
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: componentLabels(c) }, spec: claim }],
      },
    });

    new DataServerServices(this, 'Services', {
      name: this.serviceName,
      labels,
      selector: this.podLabels,
      port: { name: 'postgres', port: POSTGRES_PORT, appProtocol: 'postgresql' },
      metricsPort: POSTGRES_EXPORTER_PORT,
    });

    this.connection = {
      host: this.serviceName,
      port: POSTGRES_PORT,
      database: this.database,
      userSecret: this.userSecret,
      passwordSecret: this.passwordSecret,
      podLabels: this.podLabels,
    };
  }

  /** libpq environment for a superuser session through the client Service (backup, restore, init containers). */
  public superuserEnv(): k8s.EnvVar[] {
    return [
      { name: 'PGHOST', value: this.serviceName },
      { name: 'PGPORT', value: String(POSTGRES_PORT) },
      { name: 'PGUSER', value: this.superuser },
      secretEnv('PGPASSWORD', this.superuserPasswordSecret),
      { name: 'PGCONNECT_TIMEOUT', value: '10' },
      { name: 'PGAPPNAME', value: 'prefect-stack' },
    ];
  }

  /**
   * The migrate Job's init container: the idempotent ensure-database.sh (role, password, database,
   * `CREATE EXTENSION IF NOT EXISTS pg_trgm`) as the superuser, so an existing database is brought to what
   * Prefect's migrations expect. The script is inlined: the migrate pod mounts only the Prefect tier's volumes.
   */
  public ensureDatabaseContainer(): k8s.Container {
    return {
      name: 'ensure-database',
      image: this.image,
      imagePullPolicy: this.pullPolicy,
      command: ['bash', '-c', dataScript('ensure-database.sh'), 'ensure-database.sh'],
      env: [...this.superuserEnv(), ...this.ensureDatabaseEnv()],
      resources: INIT_RESOURCES,
      securityContext: restrictedContainerSecurityContext(),
    };
  }

  /** What ensure-database.sh creates: Prefect's role and database, and the exporter's monitoring role. */
  private ensureDatabaseEnv(): k8s.EnvVar[] {
    return [
      secretEnv('APP_USER', this.userSecret),
      secretEnv('APP_PASSWORD', this.passwordSecret),
      { name: 'APP_DATABASE', value: this.database },
      { name: 'MONITOR_USER', value: POSTGRES_MONITOR_ROLE },
    ];
  }
}
