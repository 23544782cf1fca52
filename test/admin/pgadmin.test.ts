import { PrefectStackProps } from '../../charts';
import { AUTH, MINIMAL, PGADMIN, containers, envMap, one, synth } from '../util';

const withPgAdmin = (pgadmin: any = {}, extra: Partial<PrefectStackProps> = {}): PrefectStackProps => ({
  ...MINIMAL,
  admin: { pgadmin: { ...PGADMIN, ...pgadmin } },
  ...extra,
});

describe('PgAdmin', () => {
  test('pinned image, one replica, Recreate, port 8080, no Postfix, servers replaced at start', () => {
    const objs = synth(withPgAdmin());
    const d = one(objs, 'Deployment', 'prefect-pgadmin');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.metadata.labels!['prefect-stack.io/tier']).toBe('frontend');
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/dpage/pgadmin4:9.10');
    expect(envMap(c)).toMatchObject({
      PGADMIN_LISTEN_PORT: '8080',
      PGADMIN_DISABLE_POSTFIX: 'true',
      PGADMIN_REPLACE_SERVERS_ON_STARTUP: 'True',
      PGADMIN_SERVER_JSON_FILE: '/pgadmin4/servers.json',
      PGADMIN_DEFAULT_EMAIL: 'admin@example.com',
      PGADMIN_DEFAULT_PASSWORD: 'secret:pgadmin/password',
    });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(c[probe].httpGet.path).toBe('/misc/ping');
    expect(one(objs, 'Service', 'prefect-pgadmin').spec.ports[0]).toMatchObject({ port: 8080, targetPort: 'http' });
  });

  test('servers.json pre-wired to the stack database, without a password', () => {
    const cm = one(synth(withPgAdmin()), 'ConfigMap', 'prefect-pgadmin-config');
    const servers = JSON.parse(cm.data['servers.json']);
    expect(servers.Servers['1']).toEqual({
      Name: 'prefect (Prefect)',
      Group: 'Prefect stack',
      Host: 'db.example.com',
      Port: 5432,
      MaintenanceDB: 'prefect',
      Username: 'prefect',
      SSLMode: 'prefer',
      Shared: true,
    });
    expect(cm.data['servers.json']).not.toMatch(/Password|PassFile/);
    expect(cm.data['config_distro.py'].length).toBeGreaterThan(0); // non-empty: the entrypoint leaves it alone
  });

  test('PSS restricted, read-only root, writable claim, /tmp and log dir; uid 5050', () => {
    const objs = synth(withPgAdmin({ storage: '2Gi', storageClassName: 'fast' }));
    const spec = one(objs, 'Deployment', 'prefect-pgadmin').spec.template.spec;
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 5050,
      runAsGroup: 5050,
      fsGroup: 5050,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    const c = spec.containers[0];
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(Object.keys(mounts).sort()).toEqual(['/pgadmin4/config_distro.py', '/pgadmin4/servers.json', '/tmp', '/var/lib/pgadmin', '/var/log/pgadmin']);
    expect(mounts['/pgadmin4/servers.json'].readOnly).toBe(true);
    const vol = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
    expect(vol.data.persistentVolumeClaim.claimName).toBe('prefect-pgadmin-data');
    const pvc = one(objs, 'PersistentVolumeClaim', 'prefect-pgadmin-data');
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } });
  });

  test('below a path prefix: SCRIPT_NAME and the probes follow', () => {
    const objs = synth(withPgAdmin({ expose: { path: '/pgadmin' } }, { prefect: { externalUrl: 'https://prefect.example.com', authSecret: AUTH } }));
    const c = containers(one(objs, 'Deployment', 'prefect-pgadmin').spec.template)[0];
    expect(envMap(c).SCRIPT_NAME).toBe('/pgadmin');
    expect(c.readinessProbe.httpGet.path).toBe('/pgadmin/misc/ping');
    expect(one(objs, 'Ingress', 'prefect-pgadmin').spec.rules[0]).toMatchObject({
      host: 'prefect.example.com',
      http: { paths: [{ path: '/pgadmin', pathType: 'Prefix' }] },
    });
  });
});

describe('PgAdmin capabilities', () => {
  test("keeps NET_BIND_SERVICE, which the image's python carries as a file capability, and nothing else", () => {
    const objs = synth({ ...MINIMAL, admin: { pgadmin: { email: 'a@example.com', passwordSecret: { name: 'p', key: 'k' } } } });
    const c = one(objs, 'Deployment', 'prefect-pgadmin').spec.template.spec.containers[0];
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
  });
});
