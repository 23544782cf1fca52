import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { synthesizeConfig, synthesizeEnvironments } from '../charts';

const ROOT = path.join(__dirname, '..');
const CONFIG = path.join(ROOT, 'prefect-stack.yaml');

/** Every file below `dir` with its content. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [path.relative(dir, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name), 'utf8')]),
  );
}

describe('synthesizeConfig', () => {
  let work: string;
  beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'synthesize-'))));
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes the stack into outdir and each alsoTo folder, replacing what was there, leaving no scratch folder', () => {
    const out = path.join(work, 'dist');
    const cli = path.join(work, 'cdk8s.out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'stale.yaml'), 'old');
    synthesizeConfig(CONFIG, out, cli, out);
    expect(Object.keys(files(out))).toEqual(['prefect-stack.k8s.yaml']);
    expect(files(cli)).toEqual(files(out));
    expect(files(out)['prefect-stack.k8s.yaml']).toBe(fs.readFileSync(path.join(ROOT, 'dist', 'prefect-stack.k8s.yaml'), 'utf8'));
    expect(fs.readdirSync(work).sort()).toEqual(['cdk8s.out', 'dist']);
  });

  test('a bad configuration throws, writes nothing, and leaves the last good output as it was', () => {
    const out = path.join(work, 'dist');
    synthesizeConfig(CONFIG, out);
    const before = files(out);
    const bad = path.join(work, 'bad.yaml');
    fs.writeFileSync(bad, 'api:\n  replicas: -1\n');
    expect(() => synthesizeConfig(bad, out)).toThrow(/^api\.replicas: /);
    expect(files(out)).toEqual(before);
    expect(fs.readdirSync(work).sort()).toEqual(['bad.yaml', 'dist']);
  });

  test('an output folder whose parent does not exist yet is created', () => {
    const out = path.join(work, 'a', 'b', 'dist');
    synthesizeConfig(CONFIG, out);
    expect(Object.keys(files(out))).toEqual(['prefect-stack.k8s.yaml']);
  });
});

describe('synthesizeEnvironments', () => {
  let work: string;
  beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'environments-'))));
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));
  const envDir = (overlays: Record<string, string>) => {
    const dir = path.join(work, 'environments');
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(overlays)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  };
  const namespaces = (text: string) => [
    ...new Set(
      parseAllDocuments(text)
        .map((d) => d.toJS()?.metadata?.namespace)
        .filter(Boolean),
    ),
  ];

  test('the example environments: one folder each, each its own namespace, each what its merged file synthesizes alone', () => {
    const out = path.join(work, 'dist');
    synthesizeEnvironments(CONFIG, path.join(ROOT, 'examples/environments'), out);
    const written = files(out);
    expect(Object.keys(written).sort()).toEqual(['dev/prefect-stack.k8s.yaml', 'prod/prefect-stack.k8s.yaml']);
    expect(namespaces(written['dev/prefect-stack.k8s.yaml'])).toEqual(['prefect-dev']);
    expect(namespaces(written['prod/prefect-stack.k8s.yaml'])).toEqual(['prefect-prod']);
    // an environment is exactly the stack of base + overlay written as one file
    const merged = path.join(work, 'prod-merged.yaml');
    fs.writeFileSync(
      merged,
      fs
        .readFileSync(CONFIG, 'utf8')
        .replace(/^namespace: prefect$/m, 'namespace: prefect-prod')
        .replace(/^api:\n {2}replicas: 3$/m, 'api:\n  replicas: 3\n  spread: required'),
    );
    synthesizeConfig(merged, path.join(work, 'one'));
    expect(files(path.join(work, 'one'))['prefect-stack.k8s.yaml']).toBe(written['prod/prefect-stack.k8s.yaml']);
  });

  test('one bad environment writes nothing, names the environment, and leaves the last good output', () => {
    const out = path.join(work, 'dist');
    const dir = envDir({ 'a.yaml': 'namespace: a\n', 'b.yaml': 'namespace: b\n' });
    synthesizeEnvironments(CONFIG, dir, out);
    const before = files(out);
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'namespace: b\napi:\n  replica: 1\n');
    expect(() => synthesizeEnvironments(CONFIG, dir, out)).toThrow(/b\.yaml:3: api\.replica: unknown key/);
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'namespace: b\nprefect:\n  version: "2.20.3"\n');
    expect(() => synthesizeEnvironments(CONFIG, dir, out)).toThrow(/^b \(b\.yaml\): prefect\.version: /);
    expect(files(out)).toEqual(before);
  });

  test('two environments that would write the same cluster-scoped object are refused', () => {
    // Different names in one namespace: each would create (and own) the Namespace object.
    const dir = envDir({ 'a.yaml': 'namespace: shared\nname: prefect-a\n', 'b.yaml': 'namespace: shared\nname: prefect-b\n' });
    expect(() => synthesizeEnvironments(CONFIG, dir, path.join(work, 'dist'))).toThrow(/^b: writes the cluster-scoped Namespace\/shared, as a does/);
    expect(fs.existsSync(path.join(work, 'dist'))).toBe(false);
  });
});
