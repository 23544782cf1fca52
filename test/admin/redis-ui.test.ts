import { PrefectStackProps } from '../../charts';
import { MINIMAL, envMap, literalCredentials, one, synth } from '../util';

const AUTH = { user: 'admin', passwordSecret: { name: 'redis-ui', key: 'password' } };
const withUi = (redisUi: any = {}, extra: Partial<PrefectStackProps> = {}): PrefectStackProps => ({ ...MINIMAL, admin: { redisUi }, ...extra });

describe('RedisUi', () => {
  test('redis-commander by default: pinned image, port 8081, password only by reference', () => {
    const objs = synth(withUi({ httpAuth: AUTH }));
    const d = one(objs, 'Deployment', 'prefect-redis-ui');
    expect(d.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'redis-commander',
      'app.kubernetes.io/component': 'redis-ui',
      'prefect-stack.io/tier': 'frontend',
    });
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/joeferner/redis-commander:0.9.0');
    expect(c.command).toEqual(['node', 'bin/redis-commander.js']);
    const env = envMap(c);
    expect(env).toMatchObject({
      REDIS_PASSWORD: 'secret:redis/password',
      HTTP_USER: 'admin',
      HTTP_PASSWORD: 'secret:redis-ui/password',
      NOSAVE: 'true',
      PORT: '8081',
    });
    // The password reaches the connection by kubelet expansion; REDIS_PASSWORD must come first for that.
    expect(JSON.parse(env.NODE_CONFIG)).toEqual({
      connections: [{ label: 'prefect', host: 'redis.example.com', port: 6379, dbIndex: 0, password: '$(REDIS_PASSWORD)' }],
    });
    const names = c.env.map((e: any) => e.name);
    expect(names.indexOf('REDIS_PASSWORD')).toBeLessThan(names.indexOf('NODE_CONFIG'));
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8081, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet.path).toBe('/healthcheck');
    expect(one(objs, 'Service', 'prefect-redis-ui').spec.ports[0].port).toBe(8081);
  });

  test('PSS restricted with a read-only root filesystem', () => {
    const spec = one(synth(withUi()), 'Deployment', 'prefect-redis-ui').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    for (const v of spec.volumes) expect(Object.keys(v).filter((k) => k !== 'name')).toEqual(['emptyDir']);
  });

  test('redis-commander runs as its image user 10000: the image keeps config/*.json from other uids (o-rwx)', () => {
    const spec = one(synth(withUi()), 'Deployment', 'prefect-redis-ui').spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsUser: 10000, runAsGroup: 10000, fsGroup: 10000 });
  });

  test('RedisInsight as the option: port 5540, /api/health, password from the Secret', () => {
    const objs = synth(withUi({ kind: 'redisinsight' }));
    const c = one(objs, 'Deployment', 'prefect-redis-ui').spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/redis/redisinsight:2.70.1');
    expect(envMap(c)).toMatchObject({
      RI_APP_PORT: '5540',
      RI_REDIS_HOST: 'redis.example.com',
      RI_REDIS_PORT: '6379',
      RI_REDIS_PASSWORD: 'secret:redis/password',
    });
    expect(c.livenessProbe.httpGet.path).toBe('/api/health');
    expect(one(objs, 'Service', 'prefect-redis-ui').spec.ports[0].port).toBe(5540);
  });

  test('no secret value anywhere in the manifests', () => {
    const text = JSON.stringify(synth(withUi({ httpAuth: AUTH })));
    expect(literalCredentials(synth(withUi({ httpAuth: AUTH })))).toEqual([]);
    expect(text).not.toMatch(/"password":"[^$]/);
  });
});
