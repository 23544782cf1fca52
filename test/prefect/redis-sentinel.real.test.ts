/**
 * Prefect on Redis Sentinel, against REAL processes (issue 20, phase 1): Debian's redis-server as a primary with two
 * replicas and three Sentinels (`redis-server --sentinel`, the binary Debian's redis-sentinel package links to), all
 * on free loopback ports with authentication on both (Redis `requirepass`/`masterauth`, Sentinel `requirepass`/
 * `sentinel-pass`); the pinned Prefect (test/worker/prefect-venv.sh) as an API process and a background-services
 * process, both pointed at the Sentinels only, through the `redis+sentinel://` URLs and socket timeouts the stack writes
 * for `redis.external.sentinel`, taken from the synthesized API container (prefect-redis 0.3.0 for messaging,
 * ordering, cache and lease storage; pydocket for PREFECT_SERVER_DOCKET_URL); a throwaway PostgreSQL
 * (test/data/pg-setup.sh).
 *
 * What is proved, each time through the API only:
 *   - messaging: a flow run's state change is published by the API and the services' event persister stores it
 *     (`/api/events/filter` finds the event), so both publisher and consumer work through Sentinel;
 *   - lease storage: a concurrency slot taken with a lease (`/api/v2/concurrency_limits/increment-with-lease`) is a
 *     key on the *current* primary, and is released again;
 *   - Docket: the services' Docket worker heartbeats into the current primary's db 1, and the scheduler (a Docket
 *     perpetual task) creates new runs of a deployment on an interval schedule;
 * then the same after each Sentinel failover, with the seconds until each works again printed as FIGURE lines:
 *   1. `SENTINEL FAILOVER` (a planned switch; the old primary becomes a replica),
 *   2. SIGKILL of the primary (a crash: connections are reset),
 *   3. SIGSTOP of the primary (a frozen node or a partition: connections stay open and nothing answers; only
 *      socket timeouts end the waits — PrefectHQ/prefect #22478).
 * Negative controls: the URLs without the Sentinel password are refused by the Sentinels, and before any failover
 * the replicas refuse writes (so "a key on the current primary" is a real test).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MINIMAL, freePort, podEnv, synth } from '../util';

const PG_SETUP = path.resolve(__dirname, '../data/pg-setup.sh');
const SCRIPTS = path.resolve(__dirname, '../../charts/prefect/scripts');
// URL-safe on purpose: they go into redis+sentinel:// URLs unencoded.
const REDIS_PASSWORD = 'sentinel-test-redis_pw1';
const SENTINEL_PASSWORD = 'sentinel-test-sentinel_pw2';
const MASTER = 'prefect';
const DB = 'prefect_sentinel';
const USER = 'prefect_sentinel';
const DB_PASSWORD = 'sentinel-test-db_pw3';
// Sentinel's failure detection: the stack's Sentinel mode is expected to use the same (2 s down-after; 30 s is
// Redis' default).
const DOWN_AFTER_MS = 2000;
// Each function must work again within this many seconds of a failover (a bound, not the figure: figures printed).
const RECOVER_S = 60;

let venv: string;
let dir: string;
let pgState: string;
let pgEnv: NodeJS.ProcessEnv;
let pg: Record<string, string>;
const redis: Array<{ port: number; proc?: ChildProcess }> = [];
const sentinels: Array<{ port: number; proc?: ChildProcess }> = [];
let api: ChildProcess | undefined;
let services: ChildProcess | undefined;
let apiUrl: string;
let env: Record<string, string>;
let flowId: string;
let deploymentId: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cli(port: number, password: string, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...args], {
    env: { PATH: '/usr/bin:/bin', REDISCLI_AUTH: password },
    encoding: 'utf8',
    timeout: 10_000,
  });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}
const rcli = (port: number, ...args: string[]) => cli(port, REDIS_PASSWORD, ...args);
const scli = (port: number, ...args: string[]) => cli(port, SENTINEL_PASSWORD, ...args);

/** The primary's port as the Sentinels report it (the first one that answers). */
function primaryPort(): number {
  for (const s of sentinels) {
    const out = scli(s.port, 'SENTINEL', 'get-master-addr-by-name', MASTER).split('\n');
    if (out.length === 2 && /^\d+$/.test(out[1])) return Number(out[1]);
  }
  throw new Error('no Sentinel knows the primary');
}

function startRedis(i: number): ChildProcess {
  const conf = path.join(dir, `redis-${i}.conf`);
  const p = spawn('redis-server', [conf], { stdio: ['ignore', 'ignore', 'ignore'] });
  redis[i].proc = p;
  return p;
}

function startSentinel(i: number): ChildProcess {
  const p = spawn('redis-server', [path.join(dir, `sentinel-${i}.conf`), '--sentinel'], { stdio: ['ignore', 'ignore', 'ignore'] });
  sentinels[i].proc = p;
  return p;
}

async function until<T>(what: string, seconds: number, f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if ((Date.now() - t0) / 1000 > seconds) throw new Error(`${what}: not within ${seconds}s${last ? ` (last error: ${last})` : ''}`);
    await sleep(250);
  }
}

async function api_(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${apiUrl}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await r.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json };
}

// ------------------------------------------------------------------------------------------ the three checks
/** Messaging: a flow run set Running by the API; its event must be stored by the services' event persister. */
async function eventsFlow(): Promise<boolean> {
  const fr = await api_('POST', '/flow_runs/', { flow_id: flowId, name: `sentinel-${Date.now()}` });
  if (fr.status !== 201) return false;
  const st = await api_('POST', `/flow_runs/${fr.json.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
  if (st.status !== 201 && st.status !== 200) return false;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ev = await api_('POST', '/events/filter', {
      filter: { event: { name: ['prefect.flow-run.Running'] }, resource: { id: [`prefect.flow-run.${fr.json.id}`] } },
    });
    if (ev.status === 200 && ev.json.events?.length) return true;
    await sleep(500);
  }
  return false;
}

/** Lease storage: a slot taken with a lease is a key on the current primary; then released. */
async function leaseWorks(): Promise<boolean> {
  const r = await api_('POST', '/v2/concurrency_limits/increment-with-lease', { names: ['sentinel-test'], slots: 1, mode: 'concurrency', lease_duration: 60 });
  if (r.status !== 200 || !r.json.lease_id) return false;
  const onPrimary = rcli(primaryPort(), '-n', '0', 'EXISTS', `prefect:concurrency:lease:${r.json.lease_id}`) === '1';
  const d = await api_('POST', '/v2/concurrency_limits/decrement-with-lease', { lease_id: r.json.lease_id });
  return onPrimary && d.status === 204;
}

/** Docket: the newest worker heartbeat on the current primary's db 1 (epoch seconds, 0 if none). */
function newestHeartbeat(): number {
  const port = primaryPort();
  const keys = rcli(port, '-n', '1', '--scan', '--pattern', '*:workers').split('\n').filter(Boolean);
  let newest = 0;
  for (const k of keys) {
    const top = rcli(port, '-n', '1', 'ZRANGE', k, '-1', '-1', 'WITHSCORES').split('\n');
    if (top.length === 2) newest = Math.max(newest, Number(top[1]));
  }
  return newest;
}

/** Scheduler: the newest `created` of the scheduled deployment's runs (epoch seconds), 0 if none. */
async function newestScheduledRun(): Promise<number> {
  const r = await api_('POST', '/flow_runs/filter', { deployments: { id: { any_: [deploymentId] } }, sort: 'ID_DESC', limit: 200 });
  if (r.status !== 200) return 0;
  return Math.max(0, ...r.json.map((x: any) => Date.parse(x.created) / 1000));
}

type Recovery = Record<'events' | 'lease' | 'heartbeat' | 'scheduler', number | null>;

/**
 * Seconds after `t0` until each check works again (null: not within `seconds`); prints a FIGURE line. A heartbeat or
 * scheduled run counts when it is newer than `after` (default t0).
 */
async function recovery(label: string, t0: number, seconds = RECOVER_S, after = t0): Promise<Recovery> {
  const since = (t: number) => Math.round((t - t0) / 100) / 10;
  const within = (what: string, f: () => Promise<number | false | undefined> | number | false | undefined) =>
    until(`${label}: ${what}`, seconds, f).then(
      (t) => since(Number(t)),
      () => null,
    );
  const [events, lease, heartbeat, scheduler] = await Promise.all([
    within('events', async () => (await eventsFlow().catch(() => false)) && Date.now()),
    within('lease', async () => (await leaseWorks().catch(() => false)) && Date.now()),
    // Written after t0, on the current primary (a replicated older heartbeat does not count).
    within('heartbeat', () => {
      try {
        return newestHeartbeat() * 1000 > after && Date.now();
      } catch {
        return undefined;
      }
    }),
    within('scheduler', async () => (await newestScheduledRun().catch(() => 0)) * 1000 > after && Date.now()),
  ]);
  const r: Recovery = { events, lease, heartbeat, scheduler };
  const fmt = (v: number | null) => (v === null ? `no (not within ${seconds} s)` : `${v} s`);
  console.log(
    `FIGURE redis-sentinel ${label}: events ${fmt(events)}, lease storage ${fmt(lease)}, Docket heartbeat ` +
      `${fmt(heartbeat)}, scheduler new run ${fmt(scheduler)} after the fault (Sentinel down-after ${DOWN_AFTER_MS} ms)`,
  );
  return r;
}

function logTail(name: string): string {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

function spawnPrefect(args: string[], log: string): ChildProcess {
  const fd = fs.openSync(path.join(dir, log), 'a');
  const p = spawn(`${venv}/bin/prefect`, args, { env, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  return p;
}

async function stop(p: ChildProcess | undefined, group = false): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  try {
    if (group) {
      process.kill(-p.pid!, 'SIGCONT');
      process.kill(-p.pid!, 'SIGKILL');
    } else {
      p.kill('SIGCONT');
      p.kill('SIGKILL');
    }
  } catch {
    /* gone */
  }
  await exited;
}

let apiPort: number;
/** (Re)starts the API and the services process with `e`; returns once the API answers. */
async function startPrefect(e: Record<string, string>): Promise<void> {
  await stop(api, true);
  await stop(services, true);
  env = e;
  api = spawnPrefect(['server', 'start', '--host', '127.0.0.1', '--port', String(apiPort), '--no-services'], 'api.log');
  services = spawnPrefect(['server', 'services', 'start'], 'services.log');
  await until('API healthy', 120, async () => (await api_('GET', '/health').catch(() => ({ status: 0 }))).status === 200 || undefined).catch((err) => {
    throw new Error(`${err}\n--- api log:\n${logTail('api.log')}`);
  });
}

/** The services' liveness probe as the manifest runs it (charts/prefect/scripts/services-alive.py), for this process. */
function servicesAlive(): { status: number | null; out: string } {
  const r = spawnSync(`${venv}/bin/python`, [path.join(SCRIPTS, 'services-alive.py'), '--pid', String(services!.pid)], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

beforeAll(async () => {
  venv = execFileSync('bash', [path.resolve(__dirname, '../worker/prefect-venv.sh')], {
    encoding: 'utf8',
    timeout: 900_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  execFileSync('bash', [path.resolve(__dirname, '../data/redis-setup.sh')], { stdio: 'inherit', timeout: 600_000 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-sentinel-'));

  // PostgreSQL of its own.
  pgState = path.join(os.tmpdir(), `redis-sentinel-pg-${process.pid}`);
  pgEnv = { ...process.env, CDK8S_PREFECT_DATA_PG_STATE: pgState, CDK8S_PREFECT_DATA_PG_PORT: String(await freePort()) };
  const out = execFileSync('bash', [PG_SETUP, 'start'], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'inherit'], env: pgEnv });
  pg = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  execFileSync(`${pg.PGBIN}/psql`, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', `pw=${DB_PASSWORD}`, '-d', 'postgres'], {
    input: `CREATE ROLE ${USER} LOGIN PASSWORD :'pw';\nCREATE DATABASE ${DB} OWNER ${USER};\n`,
    env: { PATH: '/usr/bin:/bin', PGHOST: pg.PGHOST, PGPORT: pg.PGPORT, PGUSER: pg.PGUSER, PGPASSWORD: pg.PGPASSWORD },
  });

  // Redis: a primary and two replicas, AOF on (as the stack's Redis), passwords in the config files only.
  for (let i = 0; i < 3; i++) redis.push({ port: await freePort() });
  for (let i = 0; i < 3; i++) sentinels.push({ port: await freePort() });
  for (let i = 0; i < 3; i++) {
    fs.mkdirSync(path.join(dir, `redis-${i}`));
    fs.writeFileSync(
      path.join(dir, `redis-${i}.conf`),
      [
        `port ${redis[i].port}`,
        'bind 127.0.0.1',
        `dir ${path.join(dir, `redis-${i}`)}`,
        'save ""',
        'appendonly yes',
        'appendfsync everysec',
        `requirepass ${REDIS_PASSWORD}`,
        `masterauth ${REDIS_PASSWORD}`,
        ...(i > 0 ? [`replicaof 127.0.0.1 ${redis[0].port}`] : []),
        '',
      ].join('\n'),
    );
    startRedis(i);
  }
  for (const r of redis) await until(`redis ${r.port} up`, 20, () => rcli(r.port, 'PING') === 'PONG' || undefined);
  // Sentinels rewrite their config files (discovered replicas, peers, epochs): one writable file each.
  for (let i = 0; i < 3; i++) {
    fs.mkdirSync(path.join(dir, `sentinel-${i}`));
    fs.writeFileSync(
      path.join(dir, `sentinel-${i}.conf`),
      [
        `port ${sentinels[i].port}`,
        'bind 127.0.0.1',
        `dir ${path.join(dir, `sentinel-${i}`)}`,
        `sentinel monitor ${MASTER} 127.0.0.1 ${redis[0].port} 2`,
        `sentinel auth-pass ${MASTER} ${REDIS_PASSWORD}`,
        `sentinel down-after-milliseconds ${MASTER} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${MASTER} 10000`,
        `sentinel parallel-syncs ${MASTER} 1`,
        `requirepass ${SENTINEL_PASSWORD}`,
        `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
        '',
      ].join('\n'),
    );
    startSentinel(i);
  }
  // Every Sentinel sees the primary, both replicas and the two other Sentinels.
  for (const s of sentinels) {
    await until(`sentinel ${s.port} sees the topology`, 60, () => {
      const m = scli(s.port, 'SENTINEL', 'master', MASTER).split('\n');
      const f = (k: string) => m[m.indexOf(k) + 1];
      return (f('num-slaves') === '2' && f('num-other-sentinels') === '2' && f('flags') === 'master') || undefined;
    });
  }

  // Prefect's Redis settings exactly as the stack writes them for `redis.external.sentinel` (the API container's env,
  // Secrets resolved and $(VAR)s expanded as the kubelet does): what works here is what the manifests configure.
  const stack = synth({
    ...MINIMAL,
    redis: {
      external: {
        sentinel: { hosts: sentinels.map((s) => `127.0.0.1:${s.port}`), masterName: MASTER, passwordSecret: { name: 'redis-ha', key: 'sentinel' } },
        passwordSecret: { name: 'redis-ha', key: 'redis' },
      },
    },
  });
  const apiContainer = stack.find((o) => o.kind === 'Deployment' && o.metadata.name === 'prefect-api')!.spec.template.spec.containers[0];
  const stackEnv = podEnv(apiContainer, { 'redis-ha': { redis: REDIS_PASSWORD, sentinel: SENTINEL_PASSWORD }, db: { user: USER, password: DB_PASSWORD } });
  const redisEnv = Object.fromEntries(
    Object.entries(stackEnv).filter(([k]) =>
      /^(PREFECT_REDIS_|REDIS_SENTINEL_|PREFECT_SERVER_EVENTS_|PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE$|PREFECT_SERVER_DOCKET_URL$)/.test(k),
    ),
  );
  if (!redisEnv.PREFECT_REDIS_MESSAGING_URL?.startsWith('redis+sentinel://') || !redisEnv.PREFECT_SERVER_DOCKET_URL?.startsWith('redis+sentinel://'))
    throw new Error(`the stack wrote no Sentinel URLs: ${JSON.stringify(redisEnv)}`);
  apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}/api`;
  fs.mkdirSync(path.join(dir, 'home'));
  env = {
    PATH: `${venv}/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    HOME: path.join(dir, 'home'),
    PREFECT_HOME: path.join(dir, 'home', '.prefect'),
    PREFECT_SERVER_DATABASE_MIGRATE_ON_START: 'false',
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_SERVER_UI_ENABLED: 'false',
    PREFECT_API_URL: apiUrl,
    PREFECT_SERVER_DATABASE_DRIVER: 'postgresql+asyncpg',
    PREFECT_SERVER_DATABASE_HOST: '127.0.0.1',
    PREFECT_SERVER_DATABASE_PORT: pg.PGPORT,
    PREFECT_SERVER_DATABASE_NAME: DB,
    PREFECT_SERVER_DATABASE_USER: USER,
    PREFECT_SERVER_DATABASE_PASSWORD: DB_PASSWORD,
    // The four prefect-redis settings, the Sentinel URLs and the socket timeouts: the stack's (above).
    ...redisEnv,
    // SENTINEL_TEST_DOCKET_QUERY (e.g. `&socket_timeout=70`) adds redis-py options to Docket's URL, to measure a variant.
    PREFECT_SERVER_DOCKET_URL: redisEnv.PREFECT_SERVER_DOCKET_URL + (process.env.SENTINEL_TEST_DOCKET_QUERY ?? ''),
    // Faster than the 60 s default so that "the scheduler resumed" shows within seconds.
    PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS: '5',
  };

  const m = spawnSync(`${venv}/bin/prefect`, ['server', 'database', 'upgrade', '-y'], { env, encoding: 'utf8', timeout: 300_000 });
  if (m.status !== 0) throw new Error(`migration failed (${m.status}):\n${m.stdout}\n${m.stderr}`);
  await startPrefect(env);
  const flow = await api_('POST', '/flows/', { name: 'sentinel-test' });
  flowId = flow.json.id;
  await api_('POST', '/v2/concurrency_limits/', { name: 'sentinel-test', limit: 10 });
  // A deployment on an interval schedule (no worker polls its pool: its runs only accumulate).
  await api_('POST', '/work_pools/', { name: 'sentinel-test', type: 'process' });
  const dep = await api_('POST', '/deployments/', {
    name: 'sentinel-scheduled',
    flow_id: flowId,
    work_pool_name: 'sentinel-test',
    entrypoint: 'x.py:f',
    schedules: [{ schedule: { interval: 10 }, active: true }],
  });
  if (dep.status !== 201 && dep.status !== 200) throw new Error(`deployment: ${dep.status} ${JSON.stringify(dep.json)}`);
  deploymentId = dep.json.id;
}, 900_000);

afterAll(async () => {
  await stop(api, true);
  await stop(services, true);
  for (const s of sentinels) await stop(s.proc);
  for (const r of redis) await stop(r.proc);
  if (pgState) execFileSync('bash', [PG_SETUP, 'destroy'], { stdio: 'inherit', env: pgEnv, timeout: 120_000 });
  if (dir && !process.env.KEEP_SENTINEL_TEST) fs.rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** Kills, stops or fails over the current primary; returns its index and the new primary's port once Sentinel switched. */
async function fault(label: string, how: 'failover' | 'SIGKILL' | 'SIGSTOP'): Promise<{ victim: number; t0: number }> {
  const before = primaryPort();
  const victim = redis.findIndex((r) => r.port === before);
  const t0 = Date.now();
  if (how === 'failover') expect(scli(sentinels[0].port, 'SENTINEL', 'failover', MASTER)).toBe('OK');
  else redis[victim].proc!.kill(how);
  const after = await until(`${label}: a new primary`, 30, () => {
    const p = primaryPort();
    return p !== before ? p : undefined;
  });
  console.log(`FIGURE redis-sentinel ${label}: Sentinel switched the primary ${before} -> ${after} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { victim, t0 };
}

/** The old primary back (restarted or continued), reconfigured by the Sentinels as a replica, for the next fault. */
async function rejoin(label: string, victim: number): Promise<void> {
  const p = redis[victim].proc!;
  if (p.exitCode !== null || p.signalCode === 'SIGKILL') startRedis(victim);
  else p.kill('SIGCONT');
  await until(`${label}: the old primary rejoins as a replica`, 60, () => {
    const m = scli(sentinels[0].port, 'SENTINEL', 'master', MASTER).split('\n');
    return m[m.indexOf('num-slaves') + 1] === '2' && rcli(redis[victim].port, 'ROLE').startsWith('slave') ? true : undefined;
  });
}

const withLogs = (e: unknown) => new Error(`${e}\n--- api log:\n${logTail('api.log')}\n--- services log:\n${logTail('services.log')}`);

describe('Prefect on Redis Sentinel (real redis-server, 3 Sentinels, Prefect API + services)', () => {
  test('the Sentinels require their password, the replicas refuse writes (controls)', () => {
    expect(cli(sentinels[0].port, '', 'SENTINEL', 'get-master-addr-by-name', MASTER)).toMatch(/NOAUTH/);
    expect(cli(sentinels[0].port, 'wrong', 'PING')).toMatch(/WRONGPASS|invalid/i);
    expect(rcli(redis[1].port, 'SET', 'x', '1')).toMatch(/READONLY/);
    expect(primaryPort()).toBe(redis[0].port);
  });

  test('messaging, lease storage, Docket heartbeat, the scheduler and the liveness probe work through redis+sentinel:// URLs', async () => {
    const r = await recovery('at start', Date.now(), RECOVER_S, Date.now() - 120_000);
    if (Object.values(r).includes(null)) throw withLogs(`not working at start: ${JSON.stringify(r)}`);
    // Prefect's stream is on the primary (and replicated), the probe reads the heartbeat through the Sentinels.
    expect(rcli(primaryPort(), '-n', '0', 'EXISTS', 'events')).toBe('1');
    expect(servicesAlive()).toEqual({ status: 0, out: expect.stringMatching(/^ALIVE: pid \d+ state \w, heartbeat [\d.]+s old$/) });
  }, 240_000);

  for (const [label, how] of [
    ['SENTINEL FAILOVER', 'failover'],
    ['primary SIGKILL', 'SIGKILL'],
  ] as const) {
    test(`after ${label}: a new primary, and every check works again by itself`, async () => {
      const { victim, t0 } = await fault(label, how);
      try {
        const r = await recovery(label, t0);
        if (Object.values(r).includes(null)) throw withLogs(`not recovered: ${JSON.stringify(r)}`);
      } finally {
        await rejoin(label, victim);
      }
    }, 300_000);
  }

  // A primary that hangs (SIGSTOP: the process answers nothing while its kernel keeps the connections open and
  // acknowledges TCP keepalives) is the case no reset and no keepalive reveals: only read timeouts end the waits.
  test('after the primary hangs (SIGSTOP): messaging and leases recover by their socket timeouts; a stuck Docket worker is caught by the liveness probe, and recovers on restart', async () => {
    const { victim, t0 } = await fault('primary SIGSTOP', 'SIGSTOP');
    try {
      // The probe polled alongside (every 5 s, as often as a kubelet would at periodSeconds 5).
      let dead: { at: number; out: string } | undefined;
      const watching = (async () => {
        while (!dead && Date.now() - t0 < 90_000) {
          const p = servicesAlive();
          if (p.status === 1) dead = { at: (Date.now() - t0) / 1000, out: p.out };
          else await sleep(5000);
        }
      })();
      const r = await recovery('primary SIGSTOP', t0, 90);
      await watching;
      if (r.events === null || r.lease === null) throw withLogs(`messaging/leases not recovered: ${JSON.stringify(r)}`);
      if (r.heartbeat !== null && r.scheduler !== null) return; // Docket recovered by itself: nothing to contain
      // Docket stays on the hung primary (it sets no read timeout: pydocket's BLOCKING_READ_SOCKET_TIMEOUT, and the
      // kernel of a hung process acknowledges keepalives). The liveness probe must see it, and a restart (what the
      // kubelet does on a failed liveness probe) must bring it back.
      if (!dead) throw withLogs(`Docket stalled but the liveness probe still passes: ${JSON.stringify(servicesAlive())}`);
      expect(dead.out).toMatch(/^DEAD: last Docket heartbeat of \S+ is [\d.]+s old/);
      const t1 = Date.now();
      await startPrefect(env);
      // Docket redelivers a task that a dead worker held after its redelivery timeout (5 min, not configurable in
      // Prefect): the scheduler's perpetual task may wait that long.
      const after = await recovery('primary SIGSTOP, after the services restart', t1, 330);
      console.log(
        `FIGURE redis-sentinel primary SIGSTOP: liveness probe DEAD at +${dead.at.toFixed(0)} s; after the restart ` +
          `heartbeat ${after.heartbeat} s, scheduler ${after.scheduler} s`,
      );
      if (Object.values(after).includes(null)) throw withLogs(`not recovered after the restart: ${JSON.stringify(after)}`);
    } finally {
      await rejoin('primary SIGSTOP', victim);
    }
  }, 600_000);

  // The settings' control: the same hang with Prefect's socket timeouts unset (prefect-redis' default: none).
  test('control: without PREFECT_REDIS_MESSAGING_SOCKET_TIMEOUT a hung primary stalls messaging or leases', async () => {
    const { PREFECT_REDIS_MESSAGING_SOCKET_TIMEOUT: _a, PREFECT_REDIS_MESSAGING_SOCKET_CONNECT_TIMEOUT: _b, ...without } = env;
    await startPrefect(without);
    const ok = await recovery('no socket timeouts, at start', Date.now(), RECOVER_S, Date.now() - 120_000);
    if (ok.events === null || ok.lease === null) throw withLogs(`not working at start: ${JSON.stringify(ok)}`);
    const { victim, t0 } = await fault('primary SIGSTOP, no socket timeouts', 'SIGSTOP');
    try {
      const r = await recovery('primary SIGSTOP, no socket timeouts', t0, 75);
      expect([r.events, r.lease]).toContain(null);
    } finally {
      await rejoin('primary SIGSTOP, no socket timeouts', victim);
    }
  }, 420_000);
});
