/**
 * Database credentials the way operators hand them out: a whole-URL Secret, or Secrets holding only parts
 * (CloudNativePG's `<cluster>-app` Secret: host, port, dbname, username, password). The per-part env vars are
 * Prefect's own settings; the second half runs the migrate Job's exact container (args and env, Secret values
 * substituted) against a real PostgreSQL (Debian's package, test/data/pg-setup.sh on a loopback port) with the
 * pinned Prefect (test/worker/prefect-venv.sh), using a password full of URL metacharacters.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DB_PARTS, DB_PARTS_SECRET, MINIMAL, Obj, containers, envMap, literalCredentials, one, podTemplates, synth, podEnv } from '../util';

const CNPG = DB_PARTS_SECRET;
const PARTS = DB_PARTS;

/** Every Prefect server container (API, services, migrate, and the init containers that wait for migrations). */
const serverContainers = (objs: Obj[]) =>
  podTemplates(objs)
    .filter(({ template }) => template.metadata.labels['app.kubernetes.io/name'] === 'prefect')
    .flatMap(({ template }) => containers(template));

describe('database parts from Secrets', () => {
  test("an operator's Secret of parts reaches every Prefect pod and the migrate Job as Prefect's per-part settings", () => {
    const all = serverContainers(synth(PARTS));
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const c of all) {
      const env = envMap(c);
      expect(env).toMatchObject({
        PREFECT_SERVER_DATABASE_DRIVER: 'postgresql+asyncpg',
        PREFECT_SERVER_DATABASE_HOST: `secret:${CNPG}/host`,
        PREFECT_SERVER_DATABASE_PORT: `secret:${CNPG}/port`,
        PREFECT_SERVER_DATABASE_NAME: `secret:${CNPG}/dbname`,
        PREFECT_SERVER_DATABASE_USER: `secret:${CNPG}/username`,
        PREFECT_SERVER_DATABASE_PASSWORD: `secret:${CNPG}/password`,
      });
      expect(env.PREFECT_SERVER_DATABASE_CONNECTION_URL).toBeUndefined();
    }
  });

  test('literals and Secret keys mix (user and host written out, password from a Secret)', () => {
    const env = envMap(
      serverContainers(
        synth({
          ...MINIMAL,
          database: {
            external: {
              host: 'pg.example.com',
              port: 6432,
              database: 'orchestration',
              user: 'prefect_app',
              passwordSecret: { name: 'pw', key: 'password' },
            },
          },
        }),
      )[0],
    );
    expect(env).toMatchObject({
      PREFECT_SERVER_DATABASE_HOST: 'pg.example.com',
      PREFECT_SERVER_DATABASE_PORT: '6432',
      PREFECT_SERVER_DATABASE_NAME: 'orchestration',
      PREFECT_SERVER_DATABASE_USER: 'prefect_app',
      PREFECT_SERVER_DATABASE_PASSWORD: 'secret:pw/password',
    });
  });

  test('no secret value in the manifests: the stack only references the Secrets', () => {
    expect(literalCredentials(synth(PARTS))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Real PostgreSQL, real Prefect.

const PG_STATE = path.join(os.tmpdir(), 'cdk8s-prefect-dbcred-pg');
const PG_PORT = '55441';
const SETUP = path.resolve(__dirname, '../data/pg-setup.sh');
// URL metacharacters, an invalid percent sequence, and an encoded '@' that a double decode would turn into '@'.
const PASSWORD = 'p@ss/w%rd:#?&=+ %zz%40;';
const USER = 'prefect_cred';
const DB = 'prefect_cred';
let venv: string;
let pg: Record<string, string>;
let dir: string;

function pgEnv(): NodeJS.ProcessEnv {
  return { PATH: `${pg.PGBIN}:/usr/bin:/bin`, PGHOST: pg.PGHOST, PGPORT: pg.PGPORT, PGUSER: pg.PGUSER, PGPASSWORD: pg.PGPASSWORD, PGCONNECT_TIMEOUT: '10' };
}

function psql(sql: string, extra: Record<string, string> = {}, db = 'postgres'): string {
  return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, ...Object.entries(extra).flatMap(([k, v]) => ['-v', `${k}=${v}`])], {
    input: sql,
    env: pgEnv(),
    encoding: 'utf8',
  }).trim();
}

/** Runs a synthesized container's command locally: its env, except the paths that only exist in the pod. */
function runLike(container: any, secrets: Record<string, Record<string, string>>, args: string[] = container.args, extra: Record<string, string> = {}) {
  const env = { ...podEnv(container, secrets), ...extra };
  // The pod's writable paths, mapped to a temporary directory; nothing else is changed.
  for (const k of ['HOME', 'PREFECT_HOME', 'PREFECT_SERVER_UI_STATIC_DIRECTORY']) if (env[k]) env[k] = path.join(dir, k.toLowerCase());
  const [cmd, ...rest] = args;
  const local = args[1]?.startsWith('/opt/prefect-stack/')
    ? [path.resolve(__dirname, '../../charts/prefect/scripts', path.basename(args[1])), ...args.slice(2)]
    : rest;
  const r = spawnSync(`${venv}/bin/${cmd}`, local, { env: { ...env, PATH: `${venv}/bin:/usr/bin:/bin`, LANG: 'C.UTF-8' }, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('against a real PostgreSQL: a password with @ / % works', () => {
  let secrets: Record<string, Record<string, string>>;

  beforeAll(() => {
    venv = execFileSync('bash', [path.resolve(__dirname, '../worker/prefect-venv.sh')], {
      encoding: 'utf8',
      timeout: 900_000,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const out = execFileSync('bash', [SETUP, 'start'], {
      encoding: 'utf8',
      timeout: 600_000,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, CDK8S_PREFECT_DATA_PG_STATE: PG_STATE, CDK8S_PREFECT_DATA_PG_PORT: PG_PORT },
    });
    pg = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-credentials-'));
    // A fresh role and database each run; the role owns the database (pg_trgm is a trusted extension since 13).
    psql(`DROP DATABASE IF EXISTS ${DB};\nDROP ROLE IF EXISTS ${USER};\nCREATE ROLE ${USER} LOGIN PASSWORD :'pw';\nCREATE DATABASE ${DB} OWNER ${USER};`, {
      pw: PASSWORD,
    });
    // What CloudNativePG would put in `<cluster>-app` (plus a URL Secret for the whole-URL variant).
    secrets = {
      [CNPG]: { host: '127.0.0.1', port: PG_PORT, dbname: DB, username: USER, password: PASSWORD },
      redis: { password: 'unused' },
      'db-url': { url: `postgresql+asyncpg://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${PG_PORT}/${DB}` },
    };
  }, 900_000);

  afterAll(() => {
    if (pg)
      execFileSync('bash', [SETUP, 'stop'], {
        stdio: 'inherit',
        env: { ...process.env, CDK8S_PREFECT_DATA_PG_STATE: PG_STATE, CDK8S_PREFECT_DATA_PG_PORT: PG_PORT },
      });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test("the migrate Job's container, as synthesized, migrates the database; the API's wait-for-migrations then passes", () => {
    const objs = synth(PARTS);
    const migrate = one(objs, 'Job', objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('prefect-migrate-'))!.metadata.name).spec.template.spec
      .containers[0];
    expect(migrate.args).toEqual(['prefect', 'server', 'database', 'upgrade', '-y']);
    const r = runLike(migrate, secrets);
    expect([r.status, r.out]).toEqual([0, expect.anything()]);
    expect(psql('SELECT count(*) FROM alembic_version', {}, DB)).toBe('1');
    expect(psql("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'", {}, DB)).toBe('pg_trgm');
    // The role really holds that password: it logs in with it over TCP (scram-sha-256).
    expect(
      execFileSync('psql', ['-X', '-At', '-h', '127.0.0.1', '-p', PG_PORT, '-U', USER, '-d', DB, '-c', 'SELECT current_user'], {
        env: { ...pgEnv(), PGUSER: USER, PGPASSWORD: PASSWORD },
        encoding: 'utf8',
      }).trim(),
    ).toBe(USER);

    const api = one(objs, 'Deployment', 'prefect-api').spec.template.spec;
    const wait = api.initContainers.find((c: any) => c.name === 'wait-for-migrations');
    const w = runLike(
      wait,
      secrets,
      wait.args.filter((a: string, i: number, all: string[]) => a !== '--wait' && all[i - 1] !== '--wait'),
    );
    expect([w.status, w.out]).toEqual([0, expect.stringContaining('OK: database at head')]);
  }, 600_000);

  test('the same password pasted raw into a URL fails: the test password does break naive URL building', () => {
    const api = one(synth(PARTS), 'Deployment', 'prefect-api').spec.template.spec;
    const wait = api.initContainers.find((c: any) => c.name === 'wait-for-migrations');
    const raw = `postgresql+asyncpg://${USER}:${PASSWORD}@127.0.0.1:${PG_PORT}/${DB}`;
    const partsRemoved = { ...wait, env: wait.env.filter((e: any) => !/^PREFECT_SERVER_DATABASE_(DRIVER|HOST|PORT|NAME|USER|PASSWORD)$/.test(e.name)) };
    const r = runLike(partsRemoved, secrets, ['python', wait.args[1]], { PREFECT_SERVER_DATABASE_CONNECTION_URL: raw });
    expect(r.status).not.toBe(0);
  }, 300_000);

  test('a whole-URL Secret (password percent-encoded) works for the same pods', () => {
    const objs = synth({ ...MINIMAL, database: { external: { urlSecret: { name: 'db-url', key: 'url' } } } });
    const wait = one(objs, 'Deployment', 'prefect-background-services').spec.template.spec.initContainers.find((c: any) => c.name === 'wait-for-migrations');
    expect(envMap(wait).PREFECT_SERVER_DATABASE_CONNECTION_URL).toBe('secret:db-url/url');
    const r = runLike(wait, secrets, ['python', wait.args[1]]);
    expect([r.status, r.out]).toEqual([0, expect.stringContaining('OK: database at head')]);
  }, 300_000);
});
