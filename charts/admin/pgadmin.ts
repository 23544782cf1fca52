import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { secretEnv } from '../common/secrets';
import { restrictedContainerSecurityContext } from '../common/security';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { PGADMIN_PORT, ResolvedPgAdmin } from './resolve';

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
  constructor(scope: Construct, id: string, p: ResolvedPgAdmin) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: p.serviceAccountName, labels: p.labels, pod: p.pod });
    const servers = {
      Servers: {
        1: {
          Name: `${ctx.instance} (Prefect)`,
          Group: 'Prefect stack',
          Host: p.server.host,
          Port: p.server.port,
          MaintenanceDB: p.server.maintenanceDb,
          Username: p.server.username,
          SSLMode: p.server.sslMode,
          // Every administrator sees it, not only the first.
          Shared: true,
        },
      },
    };
    const configName = `${p.name}-config`;
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configName, labels: p.labels },
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

    new k8s.KubePersistentVolumeClaim(this, 'Data', {
      metadata: { name: p.claimName, labels: p.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: p.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(p.storage) } },
      },
    });

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: p.name, labels: p.labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: p.podSelector },
        template: podTemplate(this, {
          labels: p.labels,
          pod: p.pod,
          identity: { user: PGADMIN_UID, group: PGADMIN_UID },
          serviceAccountName: sa.name,
          containers: [
            {
              name: 'pgadmin',
              image: ctx.images.ref('pgadmin'),
              env: [
                { name: 'PGADMIN_LISTEN_PORT', value: String(PGADMIN_PORT) },
                { name: 'PGADMIN_DISABLE_POSTFIX', value: 'true' },
                { name: 'PGADMIN_DEFAULT_EMAIL', value: p.email },
                secretEnv('PGADMIN_DEFAULT_PASSWORD', p.passwordSecret),
                { name: 'PGADMIN_SERVER_JSON_FILE', value: '/pgadmin4/servers.json' },
                { name: 'PGADMIN_REPLACE_SERVERS_ON_STARTUP', value: 'True' },
                // Served below a path prefix: gunicorn takes the prefix from SCRIPT_NAME (the edge does not rewrite).
                ...(p.path ? [{ name: 'SCRIPT_NAME', value: p.path }] : []),
              ],
              ports: [{ name: 'http', containerPort: PGADMIN_PORT, protocol: 'TCP' }],
              resources: p.resources,
              // The image's python carries cap_net_bind_service as a file capability: exec needs it in the bounding set.
              securityContext: restrictedContainerSecurityContext({ netBindService: true }),
              // The first start creates the SQLite database and imports servers.json: allow it two minutes.
              ...httpProbes({ ready: `${p.path}/misc/ping`, startupSeconds: 120 }),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/pgadmin' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'log', mountPath: '/var/log/pgadmin' },
                { name: 'config', mountPath: '/pgadmin4/servers.json', subPath: 'servers.json', readOnly: true },
                { name: 'config', mountPath: '/pgadmin4/config_distro.py', subPath: 'config_distro.py', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'data', persistentVolumeClaim: { claimName: p.claimName } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            { name: 'log', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            { name: 'config', configMap: { name: configName } },
          ],
        }),
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: p.name, labels: p.labels },
      spec: {
        type: 'ClusterIP',
        selector: p.podSelector,
        ports: [{ name: 'http', port: PGADMIN_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP', appProtocol: 'http' }],
      },
    });
    ctx.allow(podsPeer(p.podSelector), p.database.endpoint.peer, [p.database.endpoint.port], 'pgAdmin administers the database');
    if (p.route) ctx.expose(p.route);
  }
}
