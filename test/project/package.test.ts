import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseConfig } from '../../charts';

const root = path.join(__dirname, '../..');
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The npm package as users get it: packed, installed into a scratch project, used to synthesize a stack. */
describe('npm package', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root))[0];
  const names: string[] = packed.files.map((f: { path: string }) => f.path);

  test('ships compiled JS and typings of charts/, its assets, and nothing of test/', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'prefect-stack.yaml',
        'lib/charts/index.js',
        'lib/charts/index.d.ts',
        'lib/charts/prefect-stack.d.ts',
        'lib/charts/config/schema.json',
        'lib/charts/config/schema-validator.js',
        'lib/charts/prefect/scripts/migrations-applied.py',
      ]),
    );
    expect(names.filter((n) => n.startsWith('test/') || n.startsWith('lib/test/') || (n.endsWith('.ts') && !n.endsWith('.d.ts')))).toEqual([]);
    expect(names).not.toContain('lib/main.js');
    expect(names.filter((n) => n.startsWith('lib/main.') || n.startsWith('lib/app/'))).toEqual([]); // the app's bundle stays home
  });

  // `npm pack` ran prepack (`npm run build`) above: lib/ is fresh here.
  test('the bundled app (lib/main.js → lib/main.bundle.js, from its code cache) writes exactly the committed dist/', () => {
    expect(fs.existsSync(path.join(root, 'lib/main.bundle.cache'))).toBe(true);
    for (const run of [1, 2]) {
      // the build's cache, then the same again
      const out = fs.mkdtempSync(path.join(work, `dist-${run}-`));
      execFileSync(process.execPath, [path.join(root, 'lib/main.js'), '--output', out], { cwd: root, stdio: 'pipe' });
      const committed = path.join(root, 'dist');
      const files = fs.readdirSync(committed).sort();
      expect(fs.readdirSync(out).sort()).toEqual(files);
      for (const f of files) expect([f, fs.readFileSync(path.join(out, f), 'utf8') === fs.readFileSync(path.join(committed, f), 'utf8')]).toEqual([f, true]);
    }
  });

  test('the bundled app reports a bad configuration like the library does, and exits 1', () => {
    const bad = path.join(work, 'bad.yaml');
    fs.writeFileSync(bad, 'apii:\n  replicas: 2\n');
    let expected = '';
    try {
      parseConfig(fs.readFileSync(bad, 'utf8'), 'bad.yaml');
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toMatch(/apii: unknown key; did you mean "api"\?/);
    let r: { status: number | null; stderr: string } = { status: 0, stderr: '' };
    try {
      execFileSync(process.execPath, [path.join(root, 'lib/main.js'), '--config', bad, '--output', path.join(work, 'bad-out')], {
        cwd: root,
        stdio: 'pipe',
        encoding: 'utf8',
      });
    } catch (e) {
      r = e as { status: number; stderr: string };
    }
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: ${expected}`);
  });

  test('installs into a scratch project and synthesizes a stack from its configuration file', () => {
    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        path.join(work, packed.filename),
        `cdk8s@${pkg.devDependencies.cdk8s}`,
        `constructs@${pkg.devDependencies.constructs}`,
      ],
      project,
    );
    fs.writeFileSync(
      path.join(project, 'synth.js'),
      `
      const { App } = require('cdk8s');
      const { PrefectStack, loadConfig } = require('cdk8s-prefect-stack');
      const app = new App({ outdir: 'out' });
      new PrefectStack(app, 'stack', loadConfig(require.resolve('cdk8s-prefect-stack/prefect-stack.yaml')));
      app.synth();
    `,
    );
    run('node', ['synth.js'], project);
    // The installed package validates with its precompiled validator (lib/charts/config/schema-validator.js): the
    // same messages as the library compiled from sources.
    fs.writeFileSync(
      path.join(project, 'bad.js'),
      `
      try { require('cdk8s-prefect-stack').parseConfig('api:\\n  replica: 2\\n', 'x.yaml'); } catch (e) { console.log(e.message); }
    `,
    );
    let expected = '';
    try {
      parseConfig('api:\n  replica: 2\n', 'x.yaml');
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toMatch(/api\.replica: unknown key; did you mean "replicas"\?/);
    expect(run('node', ['bad.js'], project).trim()).toBe(expected);
    const out = fs.readFileSync(path.join(project, 'out', 'stack.k8s.yaml'), 'utf8');
    expect(out).toContain('kind: Deployment');
    expect(out).toContain('name: prefect-api');
    expect(out).toMatch(/name: prefect-migrate-3-9-1-[0-9a-f]{8}/);
  }, 180000);
});
