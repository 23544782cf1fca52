/**
 * The Redis UI as synthesized, run for real: redis-commander 0.9.0 (the image's version, from npm) started with
 * the Deployment's command and environment, against a real redis-server with a password. Secrets are resolved
 * and `$(VAR)` references expanded the way the kubelet does; only ADDRESS and PORT are changed, to a free port on
 * loopback. Proves: the connection (with the password from the Secret) works, the probe path answers, and the
 * UI's HTTP auth refuses a wrong password. Needs redis-server and npm (test/admin/redis-commander/ensure.sh
 * installs both, cached).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MINIMAL, one, synth, freePort } from '../util';

const SECRETS: Record<string, Record<string, string>> = {
  redis: { password: 'redis-Pw_4-test' },
  'redis-ui': { password: 'ui-Pw_7-test' },
};

/** A container's environment as the kubelet builds it: Secret references resolved, `$(VAR)` expanded in order. */
function kubeletEnv(container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const v = SECRETS[name]?.[key];
      if (v === undefined) throw new Error(`test has no Secret ${name}/${key}`);
      env[e.name] = v;
    } else {
      env[e.name] = String(e.value).replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, ref) => (m === '$$' ? '$' : ref in env ? env[ref] : m));
    }
  }
  return env;
}

async function waitFor(url: string, ms: number): Promise<Response> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('redis-commander as synthesized, against a real Redis', () => {
  let redis: ChildProcess | undefined;
  let ui: ChildProcess | undefined;
  let uiLog = '';
  let base = '';
  let redisPort = 0;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-ui-test-'));

  beforeAll(async () => {
    const dir = execFileSync('bash', [path.join(__dirname, 'redis-commander', 'ensure.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .pop()!;
    redisPort = await freePort();
    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--requirepass', SECRETS.redis.password, '--save', '', '--appendonly', 'no', '--dir', tmp],
      { stdio: 'ignore' },
    );
    execFileSync(
      'bash',
      ['-c', `for i in $(seq 50); do redis-cli -p ${redisPort} -a "$PW" --no-auth-warning ping 2>/dev/null | grep -q PONG && exit 0; sleep 0.1; done; exit 1`],
      { env: { ...process.env, PW: SECRETS.redis.password } },
    );
    execFileSync('redis-cli', ['-p', String(redisPort), '-a', SECRETS.redis.password, '--no-auth-warning', 'set', 'prefect-stack:probe', 'hello']);

    const objs = synth({
      ...MINIMAL,
      redis: { external: { host: '127.0.0.1', port: redisPort, passwordSecret: { name: 'redis', key: 'password' } } },
      admin: { redisUi: { httpAuth: { user: 'admin', passwordSecret: { name: 'redis-ui', key: 'password' } } } },
    });
    const c = one(objs, 'Deployment', 'prefect-redis-ui').spec.template.spec.containers[0];
    const uiPort = await freePort();
    const env = { ...kubeletEnv(c), ADDRESS: '127.0.0.1', PORT: String(uiPort) };
    // The image's workingDir (/redis-commander) is the package directory.
    ui = spawn(c.command[0], c.command.slice(1), { cwd: dir, env: { PATH: process.env.PATH!, HOME: tmp, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    ui.stdout!.on('data', (d) => {
      uiLog += d;
    });
    ui.stderr!.on('data', (d) => {
      uiLog += d;
    });
    base = `http://127.0.0.1:${uiPort}`;
    const probe = await waitFor(`${base}${c.readinessProbe.httpGet.path}`, 20000);
    expect(probe.status).toBe(200);
    expect((await probe.text()).trim()).toBe('ok');
  }, 120000);

  afterAll(() => {
    ui?.kill('SIGTERM');
    redis?.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const signin = async (password: string) =>
    (
      await fetch(`${base}/signin`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `username=admin&password=${encodeURIComponent(password)}`,
      })
    ).json() as any;

  test('the UI asks for credentials and refuses a wrong password', async () => {
    expect((await fetch(`${base}/connections`)).status).toBe(401);
    expect(await signin('wrong')).toEqual({ ok: false });
  });

  test('with the password from the Secret it reads Redis, authenticated with the Redis Secret', async () => {
    const login = await signin(SECRETS['redis-ui'].password);
    expect(login.ok).toBe(true);
    const auth = { headers: { authorization: `Bearer ${login.bearerToken}` } };
    const conns = (await (await fetch(`${base}/connections`, auth)).json()) as any;
    expect(conns.connections.map((x: any) => [x.label, x.options.host, x.options.port])).toEqual([['prefect', '127.0.0.1', redisPort]]);
    const key = (await (await fetch(`${base}/apiv2/key/${encodeURIComponent(conns.connections[0].conId)}/prefect-stack:probe`, auth)).json()) as any;
    expect([key.value, uiLog]).toEqual(['hello', expect.not.stringMatching(/NOAUTH|WRONGPASS/)]);
  });
});
