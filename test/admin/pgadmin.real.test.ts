/**
 * pgAdmin as synthesized, run for real: pgAdmin 9.10 (the image's version, from PyPI) with the ConfigMap's
 * servers.json and config_distro.py and the container's environment, as uid/gid 5050, without capabilities, on a
 * read-only root filesystem where only the Deployment's writable volumes (/var/lib/pgadmin, /var/log/pgadmin, /tmp)
 * are writable (test/admin/pgadmin/sandbox.sh, a private mount namespace). Proves: pgAdmin starts under the pod's
 * restrictions, the first start creates the administrator from the Secret's password and imports the stack's server,
 * and the probe path answers (also below a path prefix, via SCRIPT_NAME). Not covered here: the image's own
 * entrypoint script (sandbox.sh repeats its first-start steps; the cluster tier runs the image).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PrefectStackProps } from '../../charts';
import { AUTH, MINIMAL, one, synth, freePort } from '../util';

const PASSWORD = 'Adm1n-Pw_test';

interface Run {
  proc: ChildProcess;
  log: string[];
  port: number;
  probePath: string;
  dir: string;
}

async function start(venv: string, props: PrefectStackProps): Promise<Run> {
  const objs = synth(props);
  const cm = one(objs, 'ConfigMap', 'prefect-pgadmin-config');
  const c = one(objs, 'Deployment', 'prefect-pgadmin').spec.template.spec.containers[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgadmin-test-'));
  for (const [k, v] of Object.entries(cm.data as Record<string, string>)) fs.writeFileSync(path.join(dir, k), v);
  const env = c.env.map((e: any) => {
    if (e.valueFrom) {
      expect(e.valueFrom.secretKeyRef).toEqual({ name: 'pgadmin', key: 'password' });
      return `${e.name}=${PASSWORD}`;
    }
    return `${e.name}=${e.value}`;
  });
  fs.writeFileSync(path.join(dir, 'env'), `${env.join('\n')}\n`);
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const log: string[] = [];
  const proc = spawn('bash', [path.join(__dirname, 'pgadmin', 'sandbox.sh'), venv, dir, path.join(dir, 'env'), String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => log.push(String(d)));
  proc.stderr!.on('data', (d) => log.push(String(d)));
  return { proc, log, port, probePath: c.readinessProbe.httpGet.path, dir };
}

async function ping(run: Run, ms: number): Promise<{ status: number; body: string }> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${run.port}${run.probePath}`);
      return { status: r.status, body: await r.text() };
    } catch (e) {
      if (Date.now() > until || run.proc.exitCode !== null) throw new Error(`pgAdmin did not answer: ${e}\n${run.log.join('')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe('pgAdmin as synthesized, under the pod restrictions', () => {
  const runs: Run[] = [];
  let venv = '';
  const base = { ...MINIMAL, prefect: { externalUrl: 'https://prefect.example.com', authSecret: AUTH } };
  const pgadmin = { email: 'admin@example.com', passwordSecret: { name: 'pgadmin', key: 'password' } };

  let atRoot: Run;
  let belowPath: Run;

  // Both start at once (about 30 s each, mostly pgAdmin's first-start database setup).
  beforeAll(async () => {
    venv = execFileSync('bash', [path.join(__dirname, 'pgadmin', 'ensure.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop()!;
    atRoot = await start(venv, { ...base, admin: { pgadmin: { ...pgadmin, expose: { host: 'pgadmin.example.com' } } } });
    belowPath = await start(venv, { ...base, admin: { pgadmin: { ...pgadmin, expose: { path: '/pgadmin' } } } });
    runs.push(atRoot, belowPath);
  }, 600000);

  afterAll(async () => {
    // sandbox.sh execs down to gunicorn, so this is its master; SIGQUIT is its quick shutdown.
    await Promise.all(
      runs.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.proc.exitCode !== null || r.proc.signalCode !== null) return resolve();
            const force = setTimeout(() => r.proc.kill('SIGKILL'), 10000);
            r.proc.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            r.proc.kill('SIGQUIT');
          }),
      ),
    );
    for (const r of runs) fs.rmSync(r.dir, { recursive: true, force: true });
  }, 30000);

  test("first start: administrator and the stack's server set up, probe answers, nothing written outside the volumes", async () => {
    const run = atRoot;
    expect(run.probePath).toBe('/misc/ping');
    expect(await ping(run, 120000)).toEqual({ status: 200, body: 'PING' });
    const out = run.log.join('');
    expect(out).not.toMatch(/root filesystem is writable|config is writable|Read-only file system|Permission denied/);
    const dumped = JSON.parse(/DUMPED (.*)/.exec(out)![1]);
    expect(dumped.Servers['1']).toMatchObject({
      Name: 'prefect (Prefect)',
      Host: 'db.example.com',
      Port: 5432,
      MaintenanceDB: 'prefect',
      Username: 'prefect',
      Shared: true,
      ConnectionParameters: { sslmode: 'prefer' },
    });
  }, 180000);

  test('below a path prefix (SCRIPT_NAME), the probe path answers', async () => {
    const run = belowPath;
    expect(run.probePath).toBe('/pgadmin/misc/ping');
    expect(await ping(run, 120000)).toEqual({ status: 200, body: 'PING' });
  }, 180000);
});
