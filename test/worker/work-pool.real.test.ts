/**
 * The worker's init container (ensure-work-pool.py, from the synthesized ConfigMap) against a real Prefect 3.9.1
 * server (the pinned release, test/worker/prefect-venv.sh) with basic auth on: it creates the pool with the
 * generated base job template (which the server validates), leaves an unchanged pool alone, updates only the
 * template (an operator's pause and concurrency limit survive), refuses a pool of another type, and stops at once
 * when the server refuses a template.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MINIMAL, Obj, one, synth } from '../util';
import { PrefectStackProps } from '../../charts';

const AUTH = 'admin:pa@ss/w%rd';
const PORT = 54200 + Math.floor(Math.random() * 500);
let venv: string;
let dir: string;
let server: ChildProcess | undefined;

function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: `${venv}/bin:/usr/bin:/bin`, HOME: dir, PREFECT_HOME: path.join(dir, '.prefect'), LANG: 'C.UTF-8' };
}

beforeAll(async () => {
  venv = execFileSync('bash', [path.join(__dirname, 'prefect-venv.sh')], { encoding: 'utf8', timeout: 900_000, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'work-pool-'));
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  server = spawn(`${venv}/bin/prefect`, ['server', 'start', '--host', '127.0.0.1', '--port', String(PORT), '--no-services'], {
    env: {
      ...baseEnv(),
      PREFECT_SERVER_DATABASE_CONNECTION_URL: `sqlite+aiosqlite:///${dir}/prefect.db`,
      PREFECT_SERVER_API_AUTH_STRING: AUTH,
      PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
      PREFECT_SERVER_UI_ENABLED: 'false',
    },
    stdio: ['ignore', log, log],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${PORT}/api/health`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline || server.exitCode !== null)
      throw new Error(`Prefect server did not start:\n${fs.readFileSync(path.join(dir, 'server.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 900_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** The init container's environment exactly as synthesized; only Secrets, the API address and paths are local. */
function initEnv(objs: Obj[], templatePath: string): NodeJS.ProcessEnv {
  const init = one(objs, 'Deployment', 'prefect-worker').spec.template.spec.initContainers[0];
  const env: NodeJS.ProcessEnv = baseEnv();
  for (const e of init.env) {
    if (e.valueFrom?.secretKeyRef) {
      expect(e.valueFrom.secretKeyRef).toEqual({ name: 'prefect-auth', key: 'auth-string' });
      env[e.name] = AUTH;
    } else {
      env[e.name] = e.value;
    }
  }
  expect(env.PREFECT_API_URL).toBe('http://prefect-api.prefect.svc:4200/api');
  env.PREFECT_API_URL = `http://127.0.0.1:${PORT}/api`;
  env.HOME = dir;
  env.PREFECT_HOME = path.join(dir, '.prefect');
  env.WORK_POOL_TEMPLATE = templatePath;
  env.WORK_POOL_WAIT_SECONDS = '20';
  return env;
}

/** Runs the synthesized ensure-work-pool.py with the synthesized template. */
function ensure(props: PrefectStackProps, mutate?: (t: any) => void) {
  const objs = synth({ ...props, prefect: { ...props.prefect, authSecret: { name: 'prefect-auth', key: 'auth-string' } } });
  const cm = one(objs, 'ConfigMap', 'prefect-worker');
  const script = path.join(dir, 'ensure-work-pool.py');
  fs.writeFileSync(script, cm.data['ensure-work-pool.py']);
  const template = JSON.parse(cm.data['base-job-template.json']);
  mutate?.(template);
  const templatePath = path.join(dir, 'template.json');
  fs.writeFileSync(templatePath, JSON.stringify(template));
  const r = spawnSync(`${venv}/bin/python`, [script], { env: initEnv(objs, templatePath), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, template };
}

/** The pool as the server has it. */
function readPool(name: string): any {
  const code = `import asyncio, json
from prefect.client.orchestration import get_client
async def main():
    async with get_client() as c:
        p = await c.read_work_pool(${JSON.stringify(name)})
        print(json.dumps({"type": p.type, "is_paused": p.is_paused, "concurrency_limit": p.concurrency_limit, "base_job_template": p.base_job_template}))
asyncio.run(main())`;
  const out = execFileSync(`${venv}/bin/python`, ['-c', code], {
    env: { ...baseEnv(), PREFECT_API_URL: `http://127.0.0.1:${PORT}/api`, PREFECT_API_AUTH_STRING: AUTH },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function cli(...args: string[]) {
  execFileSync(`${venv}/bin/prefect`, args, {
    env: { ...baseEnv(), PREFECT_API_URL: `http://127.0.0.1:${PORT}/api`, PREFECT_API_AUTH_STRING: AUTH },
    stdio: 'pipe',
  });
}

describe('ensure-work-pool.py against a real Prefect server', () => {
  test('creates the pool with the generated template, then leaves it alone', () => {
    const first = ensure({ ...MINIMAL, worker: { workPool: 'k8s-a' } });
    expect([first.status, first.out]).toEqual([0, expect.stringContaining('base job template created')]);
    const pool = readPool('k8s-a');
    expect(pool.type).toBe('kubernetes');
    expect(pool.base_job_template).toEqual(first.template);
    expect(pool.base_job_template.job_configuration.job_manifest.spec.template.spec.automountServiceAccountToken).toBe(false);
    const again = ensure({ ...MINIMAL, worker: { workPool: 'k8s-a' } });
    expect([again.status, again.out]).toEqual([0, expect.stringContaining('base job template unchanged')]);
  }, 180_000);

  test("a new template updates only the template: the operator's pause and concurrency limit stay", () => {
    expect(ensure({ ...MINIMAL, worker: { workPool: 'k8s-b' } }).status).toBe(0);
    cli('work-pool', 'pause', 'k8s-b');
    cli('work-pool', 'set-concurrency-limit', 'k8s-b', '7');
    const changed = ensure({ ...MINIMAL, worker: { workPool: 'k8s-b', jobs: { finishedJobTtlSeconds: 600, resources: { limits: { memory: '3Gi' } } } } });
    expect([changed.status, changed.out]).toEqual([0, expect.stringContaining('base job template updated')]);
    const pool = readPool('k8s-b');
    expect(pool.base_job_template.variables.properties.finished_job_ttl.default).toBe(600);
    expect(pool.base_job_template.variables.properties.memory_limit.default).toBe('3Gi');
    expect([pool.is_paused, pool.concurrency_limit]).toEqual([true, 7]);
  }, 180_000);

  test('a pool of the same name and another type is refused, not converted', () => {
    cli('work-pool', 'create', 'taken', '--type', 'process');
    const r = ensure({ ...MINIMAL, worker: { workPool: 'taken' } });
    expect(r.status).toBe(2);
    expect(r.out).toContain("exists with type 'process'");
    expect(readPool('taken').type).toBe('process');
  }, 180_000);

  test('a template the server refuses stops the init container at once (no endless retry)', () => {
    const started = Date.now();
    const r = ensure({ ...MINIMAL, worker: { workPool: 'k8s-bad' } }, (t) => {
      t.job_configuration.extra = '{{ undeclared_variable }}';
    });
    expect(r.status).toBe(3);
    expect(r.out).toContain('undeclared_variable');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 180_000);

  test('wrong credentials are refused (the auth string really is checked)', () => {
    const objs = synth({ ...MINIMAL, prefect: { authSecret: { name: 'prefect-auth', key: 'auth-string' } } });
    const templatePath = path.join(dir, 'template.json');
    fs.writeFileSync(templatePath, one(objs, 'ConfigMap', 'prefect-worker').data['base-job-template.json']);
    fs.writeFileSync(path.join(dir, 'ensure-work-pool.py'), one(objs, 'ConfigMap', 'prefect-worker').data['ensure-work-pool.py']);
    const env = { ...initEnv(objs, templatePath), PREFECT_API_AUTH_STRING: 'admin:wrong' };
    const r = spawnSync(`${venv}/bin/python`, [path.join(dir, 'ensure-work-pool.py')], { env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(3);
    expect(`${r.stdout}${r.stderr}`).toContain('401');
  }, 180_000);
});
