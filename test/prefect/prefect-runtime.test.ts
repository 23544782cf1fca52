import { PREFECT_SCRIPTS } from '../../charts';
import { AUTH, MINIMAL, envMap, one, prefectContainers, synth } from '../util';

describe('PrefectRuntime: one way to run a Prefect process', () => {
  test('the UI finds the API at the external URL, with its path prefix', () => {
    const apiEnv = (prefect: object) =>
      envMap(one(synth({ ...MINIMAL, prefect: { ...prefect, authSecret: AUTH } }), 'Deployment', 'prefect-api').spec.template.spec.containers[0]);
    expect(apiEnv({ externalUrl: 'https://prefect.example.com' }).PREFECT_SERVER_UI_API_URL).toBe('https://prefect.example.com/api');
    expect(apiEnv({ externalUrl: 'https://prefect.example.com' }).PREFECT_SERVER_UI_SERVE_BASE).toBeUndefined();
    const prefixed = apiEnv({ externalUrl: 'https://ops.example.com/prefect/' });
    expect(prefixed.PREFECT_SERVER_UI_API_URL).toBe('https://ops.example.com/prefect/api');
    expect(prefixed.PREFECT_SERVER_UI_SERVE_BASE).toBe('/prefect');
    expect(apiEnv({}).PREFECT_SERVER_UI_API_URL).toBe('/api');
  });

  test('retention and Redis belong to the long-running processes; the migrate Job and the migration wait get neither', () => {
    const objs = synth(MINIMAL);
    const api = envMap(one(objs, 'Deployment', 'prefect-api').spec.template.spec.containers[0]);
    expect(api.PREFECT_REDIS_MESSAGING_HOST).toBe('redis.example.com');
    expect(api.PREFECT_SERVER_EVENTS_RETENTION_PERIOD).toBeDefined();
    const migrate = one(objs, 'Job').spec.template.spec;
    const wait = one(objs, 'Deployment', 'prefect-api').spec.template.spec.initContainers.find((c: any) => c.name === 'wait-for-migrations');
    for (const c of [...migrate.containers, wait]) {
      const env = envMap(c);
      expect(Object.keys(env).filter((k) => /REDIS|RETENTION|VACUUM|DOCKET/.test(k))).toEqual([]);
      // Every process still reaches the database the same way.
      expect(env.PREFECT_SERVER_DATABASE_HOST).toBe(api.PREFECT_SERVER_DATABASE_HOST);
    }
    expect(wait.args).toEqual(['python', '/opt/prefect-stack/migrations-applied.py', '--wait', '1800']);
  });

  test('every Prefect container runs the same pinned image with the same writable paths and read-only scripts', () => {
    const all = prefectContainers(synth({ ...MINIMAL, prefect: { authSecret: AUTH } }));
    expect(new Set(all.map((c) => c.image)).size).toBe(1);
    for (const c of all)
      expect(c.volumeMounts.map((m: any) => [m.name, m.mountPath, m.readOnly ?? false])).toEqual([
        ['home', '/home/prefect', false],
        ['tmp', '/tmp', false],
        ['ui-static', '/var/lib/prefect/ui', false],
        ['scripts', '/opt/prefect-stack', true],
      ]);
    const scripts = one(synth(MINIMAL), 'ConfigMap', 'prefect-prefect-scripts');
    expect(Object.keys(scripts.data).sort()).toEqual([...PREFECT_SCRIPTS].sort());
  });
});
