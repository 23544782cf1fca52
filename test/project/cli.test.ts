import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';

const root = path.join(__dirname, '..', '..');
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [path.join(root, 'lib', 'main.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

/** Every file below `dir` with its content. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const p = path.join(e.parentPath, e.name);
        return [path.relative(dir, p), fs.readFileSync(p, 'utf8')];
      }),
  );
}

describe('the synth command', () => {
  let work: string;
  beforeAll(() => {
    // Test what the sources build now (lib/ may be stale).
    const b = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  }, 120_000);

  test('--help prints the usage and exits 0', () => {
    const r = node(['--help']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^usage: node lib\/main\.js \[--config FILE\] \[--environments DIR\] \[--output DIR\]/);
  });

  test('--environments writes one folder per environment, each as the library synthesizes it', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-envs-')), 'dist');
    const r = node(['--config', 'prefect-stack.yaml', '--environments', 'examples/environments', '--output', out]);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(Object.keys(snapshot(out)).sort()).toEqual(['dev/prefect-stack.k8s.yaml', 'prod/prefect-stack.k8s.yaml']);
    const prodNamespace = parse(snapshot(out)['prod/prefect-stack.k8s.yaml'].split('\n---\n')[0]);
    expect([prodNamespace.kind, prodNamespace.metadata.name]).toEqual(['Namespace', 'prefect-prod']);
  });

  test('--environments with a bad overlay exits 1 naming the file and the key, and writes nothing', () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-envs-'));
    const dir = path.join(own, 'environments');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'dev.yaml'), 'namespace: dev\napi:\n  replicas: "two"\n');
    const out = path.join(own, 'dist');
    const r = node(['--environments', dir, '--output', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/dev\.yaml:3: api\.replicas: must be of type number/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('an unknown option prints the usage, no stack trace, and exits 2', () => {
    const r = node(['--outdir', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown option '--outdir'[\s\S]*usage: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a bad configuration writes nothing: the last good output stays as it was', () => {
    const out = path.join(work, 'dist');
    expect(node(['--config', 'prefect-stack.yaml', '--output', out]).status).toBe(0);
    const before = snapshot(out);
    expect(Object.keys(before)).toEqual(['prefect-stack.k8s.yaml']);
    const bad = path.join(work, 'bad.yaml');
    fs.writeFileSync(bad, 'api:\n  replicas: -1\n');
    const r = node(['--config', bad, '--output', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: api.replicas: -1 is not a whole number between 1 and 100; set a whole number between 1 and 100\n');
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(work).sort()).toEqual(['bad.yaml', 'dist']);
    const missing = node(['--config', path.join(work, 'nope.yaml'), '--output', out]);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringMatching(/nope\.yaml: does not exist/)]);
    expect(snapshot(out)).toEqual(before);
  });

  test("under the cdk8s CLI it also writes the CLI's own (emptied) folder, and replaces dist/ only on success", () => {
    const cli = path.join(work, 'cdk8s.out');
    const out = path.join(work, 'dist2');
    expect(node(['--output', out], { CDK8S_OUTDIR: cli }).status).toBe(0);
    expect(snapshot(cli)).toEqual(snapshot(out));
    // cdk8s.yaml points the CLI at a scratch folder and builds the sources first, so `cdk8s synth` never deletes dist/.
    const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
    expect(config.output).not.toBe('dist');
    expect(config.app).toBe('npm run -s build && node lib/main.js --output dist');
  });
});
