import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels } from '../common/labels';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { secretEnv } from '../common/secrets';
import { StackContext } from '../common/stack-context';
import { DataServerServices } from './data-server-services';
import type { ResolvedPostgres, SuperuserLogin } from './resolve';
import { DATA_SCRIPTS, dataScript } from './scripts';

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
const INIT_RESOURCES: k8s.ResourceRequirements = {
  requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('32Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
  limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
};

/** Labels that select the pods of the in-cluster PostgreSQL (or, with `component`, of its backup and restore). */
export function postgresSelector(instance: string, component = 'postgres'): Record<string, string> {
  return selectorLabels({ instance, name: 'postgresql', component });
}

/** libpq environment for a superuser session through the client Service (backup, restore, init containers). */
export function superuserEnv(login: SuperuserLogin): k8s.EnvVar[] {
  return [
    { name: 'PGHOST', value: login.host },
    { name: 'PGPORT', value: String(POSTGRES_PORT) },
    typeof login.user === 'string' ? { name: 'PGUSER', value: login.user } : secretEnv('PGUSER', login.user),
    secretEnv('PGPASSWORD', login.passwordSecret),
    { name: 'PGCONNECT_TIMEOUT', value: '10' },
    { name: 'PGAPPNAME', value: 'prefect-stack' },
  ];
}

/** What ensure-database.sh creates: Prefect's role and database, and the exporter's monitoring role. */
function ensureDatabaseEnv(pg: ResolvedPostgres): k8s.EnvVar[] {
  return [
    secretEnv('APP_USER', pg.userSecret),
    secretEnv('APP_PASSWORD', pg.passwordSecret),
    { name: 'APP_DATABASE', value: pg.database },
    { name: 'MONITOR_USER', value: POSTGRES_MONITOR_ROLE },
  ];
}

/**
 * The migrate Job's init container: the idempotent ensure-database.sh (role, password, database,
 * `CREATE EXTENSION IF NOT EXISTS pg_trgm`) as the superuser, so an existing database is brought to what
 * Prefect's migrations expect. The script is inlined: the migrate pod mounts only the Prefect tier's volumes.
 */
export function ensureDatabaseContainer(pg: ResolvedPostgres): k8s.Container {
  return {
    name: 'ensure-database',
    image: pg.image,
    command: ['bash', '-c', dataScript('ensure-database.sh'), 'ensure-database.sh'],
    env: [...superuserEnv(pg.login), ...ensureDatabaseEnv(pg)],
    resources: INIT_RESOURCES,
  };
}

/**
 * PostgreSQL for Prefect: a one-replica StatefulSet of the official image with its data on a claim, a headless
 * Service (the StatefulSet's identity) and a client Service, postgres_exporter as a sidecar, and the scripts that
 * create Prefect's role, database and pg_trgm (at initdb, and idempotently before every migration).
 */
export class Postgres extends Construct {
  constructor(scope: Construct, id: string, pg: ResolvedPostgres) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const c = { instance: ctx.instance, name: 'postgresql', component: 'postgres' };
    const labels = componentLabels({ ...c, version: ctx.images.version('postgres'), tier: 'backend' });
    const scripts = Object.fromEntries(DATA_SCRIPTS.map((f) => [f, dataScript(f)]));
    new k8s.KubeConfigMap(this, 'Scripts', { metadata: { name: pg.scriptsConfigMapName, labels }, data: scripts });
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: pg.serviceAccountName, labels, pod: pg.pod });

    const pgIsReady: k8s.Probe = {
      exec: { command: ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', pg.superuser, '-d', 'postgres'] },
      timeoutSeconds: 5,
    };
    const postgres: k8s.Container = {
      name: 'postgres',
      image: pg.image,
      // The official entrypoint (initdb on an empty PGDATA, then /docker-entrypoint-initdb.d) stays; only settings are ours.
      args: ['postgres', ...Object.entries(pg.parameters).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
      env: [
        { name: 'PGDATA', value: PGDATA },
        { name: 'POSTGRES_USER', value: pg.superuser },
        secretEnv('POSTGRES_PASSWORD', pg.superuserPasswordSecret),
        // The local socket (an emptyDir shared only by this pod's containers) is trusted: the exporter's way in.
        { name: 'POSTGRES_INITDB_ARGS', value: '--encoding=UTF8 --locale=C.UTF-8 --auth-host=scram-sha-256 --auth-local=trust' },
        // Read by the init script (ensure-database.sh) on a fresh data directory.
        ...ensureDatabaseEnv(pg),
      ],
      ports: [{ name: 'postgres', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
      resources: pg.resources,
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
      image: ctx.images.ref('postgresExporter'),
      args: [`--web.listen-address=:${POSTGRES_EXPORTER_PORT}`],
      env: [
        // Prefect's database: the stat_user_tables collector reports only the tables of the database it connects
        // to (the server-wide collectors are the same from any database).
        // As the pg_monitor role over the local socket: no password, no superuser.
        { name: 'DATA_SOURCE_NAME', value: `host=${SOCKET_DIR} port=${POSTGRES_PORT} user=${POSTGRES_MONITOR_ROLE} dbname=${pg.database} sslmode=disable` },
      ],
      volumeMounts: [{ name: 'run', mountPath: SOCKET_DIR, readOnly: true }],
      ports: [{ name: 'metrics', containerPort: POSTGRES_EXPORTER_PORT, protocol: 'TCP' }],
      resources: pg.exporterResources,
      // "/" is the landing page: it does not query the database, so a database outage does not restart the exporter.
      ...httpProbes({ ready: '/', port: 'metrics' }),
    };
    const template = podTemplate(this, {
      labels,
      pod: pg.pod,
      identity: { user: POSTGRES_UID, group: POSTGRES_UID },
      serviceAccountName: sa.name,
      // The preStop fast shutdown is bounded by 100 s; the rest is slack before SIGKILL.
      terminationGracePeriodSeconds: 120,
      containers: [postgres, exporter],
      volumes: [
        { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
        // The container runtime's 64 MiB /dev/shm is too small for parallel query's dynamic shared memory.
        { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('256Mi') } },
        {
          name: 'initdb',
          configMap: { name: pg.scriptsConfigMapName, defaultMode: 0o555, items: [{ key: 'ensure-database.sh', path: '10-prefect-database.sh' }] },
        },
      ],
    });

    const services = new DataServerServices(this, 'Services', {
      name: pg.serviceName,
      labels,
      selector: pg.podSelector,
      port: { name: 'postgres', port: POSTGRES_PORT, appProtocol: 'postgresql' },
      metricsPort: POSTGRES_EXPORTER_PORT,
    });
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: pg.statefulSetName, labels },
      spec: {
        replicas: 1,
        serviceName: services.headlessName,
        selector: { matchLabels: pg.podSelector },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        // The data outlives the StatefulSet: deleting or scaling it never deletes the claim.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template,
        volumeClaimTemplates: [{ metadata: { name: 'data', labels: componentLabels(c) }, spec: pg.claim }],
      },
    });
    ctx.scrape({
      name: 'postgres',
      service: pg.serviceName,
      podSelector: pg.podSelector,
      port: 'metrics',
      portNumber: POSTGRES_EXPORTER_PORT,
      path: '/metrics',
      why: 'Prometheus scrapes postgres_exporter',
    });
  }
}
