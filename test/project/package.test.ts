import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '../..');
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The npm package as users get it: packed, installed into a scratch project, used to synthesize a stack. */
describe('npm package', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root))[0];
  const names: string[] = packed.files.map((f: { path: string }) => f.path);

  test('ships compiled JS and typings of charts/, its assets, and nothing of test/', () => {
    expect(names).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'LICENSE', 'prefect-stack.yaml',
      'lib/charts/index.js', 'lib/charts/index.d.ts', 'lib/charts/prefect-stack.d.ts',
      'lib/charts/config/schema.json', 'lib/charts/prefect/scripts/migrations-applied.py',
    ]));
    expect(names.filter((n) => n.startsWith('test/') || n.startsWith('lib/test/') || n.endsWith('.ts') && !n.endsWith('.d.ts'))).toEqual([]);
    expect(names).not.toContain('lib/main.js');
  });

  test('installs into a scratch project and synthesizes a stack from its configuration file', () => {
    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
    const pkg = require(path.join(root, 'package.json'));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, packed.filename),
      `cdk8s@${pkg.devDependencies.cdk8s}`, `constructs@${pkg.devDependencies.constructs}`], project);
    fs.writeFileSync(path.join(project, 'synth.js'), `
      const { App } = require('cdk8s');
      const { PrefectStack, loadConfig } = require('cdk8s-prefect-stack');
      const app = new App({ outdir: 'out' });
      new PrefectStack(app, 'stack', loadConfig(require.resolve('cdk8s-prefect-stack/prefect-stack.yaml')));
      app.synth();
    `);
    run('node', ['synth.js'], project);
    const out = fs.readFileSync(path.join(project, 'out', 'stack.k8s.yaml'), 'utf8');
    expect(out).toContain('kind: Deployment');
    expect(out).toContain('name: prefect-api');
    expect(out).toMatch(/name: prefect-migrate-3-9-1-[0-9a-f]{8}/);
  }, 180000);
});
