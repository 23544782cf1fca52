import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadEnvironments, mergeConfig } from '../../charts';

const ROOT = path.join(__dirname, '../..');
const BASE = path.join(ROOT, 'prefect-stack.yaml');

describe('mergeConfig', () => {
  test('mappings merge key by key; scalars and lists replace; null removes the key', () => {
    const base = {
      name: 'p',
      api: { replicas: 3, resources: { limits: { cpu: '1' } } },
      scheduling: { tolerations: [{ key: 'a' }] },
      worker: { workPool: 'k' },
    };
    const overlay = { api: { replicas: 1, resources: { limits: { memory: '1Gi' } } }, scheduling: { tolerations: [{ key: 'b' }] }, worker: null };
    expect(mergeConfig(base, overlay)).toEqual({
      name: 'p',
      api: { replicas: 1, resources: { limits: { cpu: '1', memory: '1Gi' } } },
      scheduling: { tolerations: [{ key: 'b' }] },
    });
    // neither side is changed
    expect(base.api.replicas).toBe(3);
    expect(overlay.worker).toBeNull();
  });

  test('a mapping replaces a scalar and the other way round', () => {
    expect(mergeConfig({ a: 1 }, { a: { b: 2 } })).toEqual({ a: { b: 2 } });
    expect(mergeConfig({ a: { b: 2 } }, { a: 'x' })).toEqual({ a: 'x' });
  });
});

describe('loadEnvironments', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'environments-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (f: string, text: string) => fs.writeFileSync(path.join(dir, f), text);

  test('the example environments: each the base with its overlay, in name order', () => {
    const envs = loadEnvironments(BASE, path.join(ROOT, 'examples/environments'));
    expect(envs.map((e) => [e.name, e.props.namespace, e.props.api?.replicas, e.props.prefect?.externalUrl])).toEqual([
      ['dev', 'prefect-dev', 1, 'https://prefect-dev.example.com'],
      ['prod', 'prefect-prod', 3, 'https://prefect.example.com'],
    ]);
    // what the overlay leaves alone is the base's
    expect(envs[0].props.prefect?.authSecret).toEqual({ name: 'prefect-auth', key: 'auth-string' });
    expect(envs[0].props.database?.inCluster?.backups?.schedule).toBe('15 2 * * *');
    expect(envs[0].props.database?.inCluster?.backups?.keep).toEqual({ daily: 3, weekly: 0, monthly: 0 });
  });

  test("an overlay's unknown key is named with the overlay file and its line", () => {
    write('dev.yaml', 'namespace: prefect-dev\napi:\n  replica: 1\n');
    expect(() => loadEnvironments(BASE, dir)).toThrow(/\n {2}dev\.yaml:3: api\.replica: unknown key; did you mean "replicas"\?/);
  });

  test('null in an overlay removes a section of the base', () => {
    write('dev.yaml', 'namespace: prefect-dev\nworker: null\n');
    expect(loadEnvironments(BASE, dir)[0].props.worker).toBeUndefined();
  });

  test('an overlay is a part: it is checked merged, and a key missing from the merge is named in the overlay', () => {
    const base = path.join(dir, 'base.yaml');
    const sentinel = 'redis:\n  external:\n    sentinel:\n      hosts: [s0, s1, s2]\n';
    fs.mkdirSync(path.join(dir, 'envs'));
    fs.writeFileSync(base, `namespace: base\n${sentinel}`);
    // alone this overlay would lack the required hosts; merged it is whole
    fs.writeFileSync(path.join(dir, 'envs', 'dev.yaml'), 'namespace: dev\nredis:\n  external:\n    sentinel:\n      masterName: prefect\n');
    expect(loadEnvironments(base, path.join(dir, 'envs'))[0].props.redis?.external?.sentinel).toEqual({ hosts: ['s0', 's1', 's2'], masterName: 'prefect' });
    // removing the hosts leaves the merge without them: reported at the overlay's line
    fs.writeFileSync(path.join(dir, 'envs', 'dev.yaml'), 'namespace: dev\nredis:\n  external:\n    sentinel:\n      hosts: null\n');
    expect(() => loadEnvironments(base, path.join(dir, 'envs'))).toThrow(/\n {2}dev\.yaml:5: redis\.external\.sentinel\.hosts: is required/);
  });

  test('two environments in one namespace under one name are refused', () => {
    write('a.yaml', 'namespace: shared\n');
    write('b.yaml', 'namespace: shared\n');
    expect(() => loadEnvironments(BASE, dir)).toThrow(/^b: namespace and name shared\/prefect are also a's; give each environment its own namespace/);
  });

  test('bad folders and file names', () => {
    expect(() => loadEnvironments(BASE, path.join(dir, 'missing'))).toThrow(/is not a folder; give --environments DIR/);
    expect(() => loadEnvironments(BASE, dir)).toThrow(/holds no <environment>\.yaml file/);
    write('Prod.yaml', 'namespace: p\n');
    expect(() => loadEnvironments(BASE, dir)).toThrow(/^Prod\.yaml: "Prod" is not an environment name/);
  });

  test('a bad base is named as the base file', () => {
    write('dev.yaml', 'namespace: prefect-dev\n');
    const base = path.join(dir, 'base.yml');
    fs.writeFileSync(base, 'apii: {}\n');
    expect(() => loadEnvironments(base, dir)).toThrow(/\n {2}base\.yml:1: apii: unknown key/);
  });
});
