/**
 * The background-services liveness probe (charts/prefect/scripts/services-alive.py) against REAL processes: the
 * pinned Prefect (test/worker/prefect-venv.sh) running `prefect server services start` with the synthesized
 * container's environment, a throwaway PostgreSQL (test/data/pg-setup.sh) and a throwaway password-protected
 * redis-server (test/data/redis-setup.sh), both on free loopback ports. The probe is run as the manifest's
 * livenessProbe.exec.command with the same environment, and must pass while the process runs, fail once it is
 * stopped (SIGSTOP), pass again after SIGCONT, keep passing while Postgres is down (a dependency outage must not
 * restart the pod), and fail once the process is gone.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PrefectStackProps } from '../../charts';
import { MINIMAL, one, synth, freePort, podEnv } from '../util';

const SCRIPTS = path.resolve(__dirname, '../../charts/prefect/scripts');
const PG_SETUP = path.resolve(__dirname, '../data/pg-setup.sh');
// URL-safe: the synthesized PREFECT_SERVER_DOCKET_URL embeds the Redis password via $(VAR) expansion, unencoded.
const REDIS_PASSWORD = 'services-alive-redis_pw1';
const DB_PASSWORD = 'services-alive-db_pw1';
const DB = 'prefect_alive';
const USER = 'prefect_alive';
// The probe's default --max-age (the manifest passes none) and a margin for 2 shared cores.
const MAX_AGE_S = 30;
const MARGIN_S = 20;

let venv: string;
let dir: string;
let pgState: string;
let pgEnv: NodeJS.ProcessEnv;
let pg: Record<string, string> | undefined;
let redis: ChildProcess | undefined;
let services: ChildProcess | undefined;
let container: any;
let probeCommand: string[];
let env: Record<string, string>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A container's env as the kubelet gives it, with the pod's writable paths mapped to the temporary directory. */
function resolveEnv(c: any, secrets: Record<string, Record<string, string>>): Record<string, string> {
  const out = podEnv(c, secrets);
  // The pod's writable paths, mapped to the temporary directory; nothing else is changed.
  for (const k of ['HOME', 'PREFECT_HOME', 'PREFECT_SERVER_UI_STATIC_DIRECTORY']) if (out[k]) out[k] = path.join(dir, k.toLowerCase());
  return { ...out, PATH: `${venv}/bin:/usr/bin:/bin`, LANG: 'C.UTF-8' };
}

/** A container command with the pod's paths mapped: `python` → the venv's, /opt/prefect-stack/x → charts/prefect/scripts/x. */
function local(command: string[]): [string, string[]] {
  const [cmd, ...rest] = command;
  return [`${venv}/bin/${cmd}`, rest.map((a) => (a.startsWith('/opt/prefect-stack/') ? path.join(SCRIPTS, path.basename(a)) : a))];
}

function pgSetup(action: 'start' | 'stop' | 'destroy'): string {
  return execFileSync('bash', [PG_SETUP, action], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'inherit'], env: pgEnv });
}

function psql(sql: string, vars: Record<string, string> = {}): string {
  return execFileSync(
    `${pg!.PGBIN}/psql`,
    ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres', ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`])],
    {
      input: sql,
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', PGHOST: pg!.PGHOST, PGPORT: pg!.PGPORT, PGUSER: pg!.PGUSER, PGPASSWORD: pg!.PGPASSWORD, PGCONNECT_TIMEOUT: '10' },
    },
  ).trim();
}

/**
 * The liveness probe, exactly as the manifest runs it, plus `--pid`: on this machine other `prefect server services
 * start` processes may be running and visible in /proc (bench/prefect runs; the pods of a local test cluster, whose
 * containers' processes the host's /proc lists too), and without --pid the probe takes the lowest such pid. In a pod
 * there is exactly one and the probe finds it itself, so the manifest passes no --pid.
 */
async function probe(): Promise<{ status: number | null; out: string }> {
  const [cmd, args] = local(probeCommand);
  return runProbe(cmd, args);
}

function runProbe(cmd: string, args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, [...args, '--pid', String(services!.pid)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (d) => {
      out += d;
    });
    p.stderr!.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out: out.trim() });
    });
  });
}

/** Runs the probe every 2 s until `ok` holds or `seconds` pass; returns the last result and the seconds it took. */
async function probeUntil(ok: (r: { status: number | null; out: string }) => boolean, seconds: number) {
  const start = Date.now();
  for (;;) {
    const r = await probe();
    const took = (Date.now() - start) / 1000;
    if (ok(r) || took > seconds) return { ...r, took };
    await sleep(2000);
  }
}

function servicesLog(): string {
  try {
    const log = fs.readFileSync(path.join(dir, 'services.log'), 'utf8');
    return log.slice(-3000);
  } catch {
    return '';
  }
}

beforeAll(async () => {
  venv = execFileSync('bash', [path.resolve(__dirname, '../worker/prefect-venv.sh')], {
    encoding: 'utf8',
    timeout: 900_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  execFileSync('bash', [path.resolve(__dirname, '../data/redis-setup.sh')], { stdio: 'inherit', timeout: 600_000 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'services-alive-'));

  // PostgreSQL: a cluster of its own (pg-setup chmods the state dir for the `postgres` user; mkdtemp's 0700 would not do).
  pgState = path.join(os.tmpdir(), `services-alive-pg-${process.pid}`);
  pgEnv = { ...process.env, CDK8S_PREFECT_DATA_PG_STATE: pgState, CDK8S_PREFECT_DATA_PG_PORT: String(await freePort()) };
  const out = pgSetup('start');
  pg = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  psql(`CREATE ROLE ${USER} LOGIN PASSWORD :'pw';\nCREATE DATABASE ${DB} OWNER ${USER};`, { pw: DB_PASSWORD });

  // Redis with a password (from a config file, so it is not in the process title), no persistence.
  const redisPort = await freePort();
  fs.writeFileSync(path.join(dir, 'redis.conf'), `port ${redisPort}\nbind 127.0.0.1\nrequirepass ${REDIS_PASSWORD}\ndir ${dir}\nsave ""\nappendonly no\n`);
  redis = spawn('redis-server', [path.join(dir, 'redis.conf')], { stdio: 'ignore' });
  const cli = () =>
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), 'ping'], {
      env: { ...process.env, REDISCLI_AUTH: REDIS_PASSWORD },
      encoding: 'utf8',
    }).stdout?.trim();
  for (let i = 0; i < 100 && cli() !== 'PONG'; i++) await sleep(100);
  expect(cli()).toBe('PONG');

  // The stack pointed at these servers; only Secret values are supplied here.
  const props: PrefectStackProps = {
    ...MINIMAL,
    database: { external: { host: '127.0.0.1', port: Number(pg.PGPORT), database: DB, user: USER, passwordSecret: { name: 'db', key: 'password' } } },
    redis: { external: { host: '127.0.0.1', port: redisPort, passwordSecret: { name: 'redis', key: 'password' } } },
  };
  const secrets = { db: { password: DB_PASSWORD }, redis: { password: REDIS_PASSWORD } };
  const objs = synth(props);
  container = one(objs, 'Deployment', 'prefect-background-services').spec.template.spec.containers.find((c: any) => c.name === 'services');
  expect(container.args).toEqual(['prefect', 'server', 'services', 'start']);
  probeCommand = container.livenessProbe.exec.command;
  env = resolveEnv(container, secrets);
  expect(env.PREFECT_SERVER_DOCKET_URL).toBe(`redis://:${REDIS_PASSWORD}@127.0.0.1:${redisPort}/1`);

  // Migrate with the migrate Job's own container.
  const migrate = objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('prefect-migrate'))!.spec.template.spec.containers[0];
  const [mcmd, margs] = local(migrate.args);
  const m = spawnSync(mcmd, margs, { env: resolveEnv(migrate, secrets), encoding: 'utf8', timeout: 300_000 });
  if (m.status !== 0) throw new Error(`migration failed (${m.status}):\n${m.stdout}\n${m.stderr}`);

  // The services process, in its own process group so that teardown reaches anything it spawns.
  const [scmd, sargs] = local(container.args);
  const log = fs.openSync(path.join(dir, 'services.log'), 'w');
  services = spawn(scmd, sargs, { env, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
}, 900_000);

afterAll(async () => {
  if (services && services.exitCode === null && services.signalCode === null) {
    const exited = new Promise((r) => services!.once('exit', r));
    try {
      process.kill(-services.pid!, 'SIGCONT');
      process.kill(-services.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await exited;
  }
  if (redis && redis.exitCode === null && redis.signalCode === null) {
    const exited = new Promise((r) => redis!.once('exit', r));
    redis.kill('SIGTERM');
    await exited;
  }
  if (pgState) pgSetup('destroy');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('services-alive.py against a real `prefect server services start`', () => {
  test('passes once the Docket heartbeat is in Redis', async () => {
    // Grace-period passes ("ALIVE (starting)") do not count: wait for a real heartbeat reading.
    const r = await probeUntil((x) => x.status === 0 && /^ALIVE: pid \d+ state \w, heartbeat [\d.]+s old$/m.test(x.out), 120);
    if (r.status !== 0 || !/^ALIVE: /m.test(r.out)) throw new Error(`no heartbeat after ${r.took}s: ${r.out}\n--- services log:\n${servicesLog()}`);
    expect(services!.exitCode).toBeNull();
  }, 180_000);

  test('fails after SIGSTOP within the heartbeat max-age, passes again after SIGCONT', async () => {
    process.kill(services!.pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    try {
      const stopped = await probeUntil((x) => x.status !== 0, MAX_AGE_S + MARGIN_S);
      expect([stopped.status, stopped.out]).toEqual([1, expect.stringMatching(/^DEAD: /)]);
      expect(stopped.took).toBeLessThan(MAX_AGE_S + MARGIN_S);
      // A hung event loop leaves the process in state S, which only the heartbeat's age reveals: --heartbeat-only
      // skips the state test and must turn non-zero once the last heartbeat is older than the max-age.
      const hbOnly = async () => {
        const [cmd, args] = local([...probeCommand, '--heartbeat-only']);
        return runProbe(cmd, args);
      };
      let hung: { status: number | null; out: string };
      for (;;) {
        hung = await hbOnly();
        if (hung.status !== 0 || (Date.now() - stoppedAt) / 1000 > MAX_AGE_S + MARGIN_S) break;
        await sleep(2000);
      }
      const hungAfter = (Date.now() - stoppedAt) / 1000;
      expect([hung.status, hung.out]).toEqual([1, expect.stringMatching(/^DEAD: last Docket heartbeat of \S+#\d+ is [\d.]+s old \(> 30s\)$/)]);
      expect(hungAfter).toBeGreaterThan(MAX_AGE_S - 3);
      expect(hungAfter).toBeLessThan(MAX_AGE_S + MARGIN_S);
    } finally {
      // Always resumed, so that a failure here does not leave the later tests a stopped process.
      process.kill(services!.pid!, 'SIGCONT');
    }
    // Fresh heartbeats again (the stale one is > 30 s old, so a pass here needs a new one).
    const resumed = await probeUntil((x) => x.status === 0 && /^ALIVE: /.test(x.out), 30);
    expect([resumed.status, resumed.out]).toEqual([0, expect.stringMatching(/^ALIVE: pid \d+ state \w, heartbeat [\d.]+s old$/)]);
  }, 180_000);

  test('keeps passing while Postgres is down, beyond the heartbeat max-age (heartbeats continue)', async () => {
    const logBefore = fs.readFileSync(path.join(dir, 'services.log'), 'utf8').length;
    pgSetup('stop');
    try {
      const start = Date.now();
      const results: Array<{ status: number | null; out: string; at: number }> = [];
      // Past the max-age, so that a heartbeat written before the outage would already be too old.
      while ((Date.now() - start) / 1000 < MAX_AGE_S + 10) {
        results.push({ ...(await probe()), at: Math.round((Date.now() - start) / 1000) });
        await sleep(5000);
      }
      results.push({ ...(await probe()), at: Math.round((Date.now() - start) / 1000) });
      for (const r of results) expect([r.at, r.status, r.out]).toEqual([r.at, 0, expect.stringMatching(/^ALIVE: pid \d+ state \w, heartbeat/)]);
      expect(services!.exitCode).toBeNull();
      // The outage is real: the services process logged failing connections to this Postgres meanwhile.
      const during = fs.readFileSync(path.join(dir, 'services.log'), 'utf8').slice(logBefore);
      expect(during).toContain(`Connect call failed ('127.0.0.1', ${pg!.PGPORT})`);
    } finally {
      pgSetup('start');
    }
  }, 240_000);

  test('fails once the process is gone', async () => {
    expect([services!.exitCode, services!.signalCode]).toEqual([null, null]);
    const exited = new Promise((r) => services!.once('exit', r));
    process.kill(-services!.pid!, 'SIGTERM');
    const timer = setTimeout(() => {
      try {
        process.kill(-services!.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 30_000);
    await exited;
    clearTimeout(timer);
    const r = await probe();
    expect([r.status, r.out]).toEqual([1, expect.stringMatching(/^DEAD: process \d+ vanished/)]);
  }, 120_000);
});
