/**
 * The synthesized redis.conf and the container's command line, run by a real redis-server (Debian's redis-server
 * package, installed by test/data/redis-setup.sh): password from the command line only, AOF persistence,
 * maxmemory with noeviction, and the probes' exact commands.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { one, synth, freePort } from '../util';

jest.setTimeout(120_000);

const PASSWORD = 'redis-test-pw_1';
let server: ChildProcess | undefined;
let dir: string;
let port: number;
let sts: any;

/** redis-cli with the password from the environment, as the probes run it. */
function cli(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env: { ...process.env, REDISCLI_AUTH: PASSWORD }, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

beforeAll(async () => {
  execFileSync('bash', [path.join(__dirname, 'redis-setup.sh')], { stdio: 'inherit', timeout: 600_000 });
  // The floor, so that filling it is quick; the memory limit must allow it (75% rule).
  const objs = synth({ redis: { inCluster: { maxmemory: '64Mi', resources: { requests: { memory: '128Mi' }, limits: { memory: '256Mi' } } } } });
  sts = one(objs, 'StatefulSet', 'prefect-redis');
  const conf: string = one(objs, 'ConfigMap', 'prefect-redis-config').data['redis.conf'];
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-tier-'));
  // /data is the claim's mount in the pod; Redis changes into `dir` while it parses the file, so it must exist here.
  expect(conf).toMatch(/^dir \/data$/m);
  fs.writeFileSync(path.join(dir, 'redis.conf'), conf.replace(/^dir \/data$/m, `dir ${dir}`));
  port = await freePort();
  const c = sts.spec.template.spec.containers.find((x: any) => x.name === 'redis');
  // The container's own command line, with Kubernetes' $(REDIS_PASSWORD) expansion done here; only a free port and
  // loopback are added after it.
  const args = [...c.args.slice(1).map((a: string) => a.replace('$(REDIS_PASSWORD)', PASSWORD)), '--port', String(port), '--bind', '127.0.0.1'];
  server = spawn(c.command[0], [path.join(dir, 'redis.conf'), ...args], { stdio: 'ignore' });
  for (let i = 0; i < 100 && cli('ping').out !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.on('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("the probes' exact commands pass with REDISCLI_AUTH, and fail without it", () => {
  const c = sts.spec.template.spec.containers.find((x: any) => x.name === 'redis');
  for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
    const [shell, flag, script] = probe.exec.command;
    const withPort = script.replace('-p 6379', `-p ${port}`);
    expect(spawnSync(shell, [flag, withPort], { env: { ...process.env, REDISCLI_AUTH: PASSWORD } }).status).toBe(0);
    expect(spawnSync(shell, [flag, withPort], { env: { ...process.env, REDISCLI_AUTH: 'wrong' } }).status).not.toBe(0);
  }
  expect(spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'set', 'k', 'v'], { encoding: 'utf8' }).stdout).toMatch(/NOAUTH/);
});

test('the password is set from the command line and does not show in the process title or the config', () => {
  expect(cli('config', 'get', 'requirepass').out).toBe(`requirepass\n${PASSWORD}`);
  expect(fs.readFileSync(`/proc/${server!.pid}/cmdline`, 'utf8')).not.toContain(PASSWORD);
  expect(fs.readFileSync(path.join(dir, 'redis.conf'), 'utf8')).not.toContain(PASSWORD);
});

test('AOF persistence on, RDB snapshots off', () => {
  expect(cli('config', 'get', 'appendonly').out).toBe('appendonly\nyes');
  expect(cli('config', 'get', 'save').out).toBe('save');
  expect(cli('xadd', 'events', '*', 'event', 'prefect.flow-run.Completed').status).toBe(0);
  expect(fs.existsSync(path.join(dir, 'appendonlydir'))).toBe(true);
});

test('when maxmemory is reached, writes fail loudly and no stream entry is evicted', () => {
  expect(cli('config', 'get', 'maxmemory-policy').out).toBe('maxmemory-policy\nnoeviction');
  expect(cli('config', 'get', 'maxmemory').out).toBe(`maxmemory\n${64 * 2 ** 20}`);
  let written = 0;
  let oom = '';
  for (let i = 0; i < 40 && !oom; i++) {
    // ~4 MB of events per call, like a burst Prefect's consumers have not caught up with.
    const r = cli('eval', "for i=1,4000 do redis.call('XADD', 'events', '*', 'payload', string.rep('x', 1000)) end return 1", '0');
    if (/OOM/.test(r.out)) oom = r.out;
    else written += 4000;
  }
  expect(oom).toMatch(/OOM command not allowed when used memory > 'maxmemory'/);
  expect(Number(cli('xlen', 'events').out)).toBeGreaterThanOrEqual(written);
  expect(cli('info', 'stats').out).toMatch(/evicted_keys:0/);
});
