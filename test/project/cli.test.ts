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
    expect(r.stdout).toMatch(/^usage: node lib\/main\.js \[--config FILE\] \[--output DIR\]/);
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
