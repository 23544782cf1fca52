/**
 * The data tier's scripts (charts/data/scripts: the code the postgres init, the migrate Job's init container, the
 * backup CronJob and the restore Job run) against a real PostgreSQL: Debian's postgresql package, a throwaway
 * cluster started by test/data/pg-setup.sh on a loopback port.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { freePort } from '../util';

// Real processes on a shared machine: generous per-test time (the default 30 s is for in-memory synth tests).
jest.setTimeout(180_000);

const SCRIPTS = path.resolve(__dirname, '../../charts/data/scripts');
const SETUP = path.join(__dirname, 'pg-setup.sh');
let env: NodeJS.ProcessEnv;
const tmpDirs: string[] = [];

// Each run gets its own cluster (state directory and free port): parallel runs of the suite never share one.
const clusterEnv: NodeJS.ProcessEnv = { ...process.env, CDK8S_PREFECT_DATA_PG_STATE: path.join(os.tmpdir(), `cdk8s-prefect-data-pg-${process.pid}`) };

beforeAll(async () => {
  clusterEnv.CDK8S_PREFECT_DATA_PG_PORT = String(await freePort());
  const out = execFileSync('bash', [SETUP, 'start'], { env: clusterEnv, encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'inherit'] });
  const vars = Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => {
        const i = line.indexOf('=');
        return [line.slice(0, i), line.slice(i + 1)];
      }),
  );
  env = { ...process.env, ...vars, PATH: `${vars.PGBIN}:${process.env.PATH}`, PGCONNECT_TIMEOUT: '10' };
}, 600_000);

afterAll(() => {
  execFileSync('bash', [SETUP, 'destroy'], { env: clusterEnv, stdio: 'inherit' });
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
}, 120_000);

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'data-tier-'));
  tmpDirs.push(d);
  return d;
}

function run(script: string, extra: Record<string, string>, args: string[] = []) {
  const r = spawnSync('bash', [path.join(SCRIPTS, script), ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: `${r.stdout}\n${r.stderr}` };
}

function psql(db: string, sql: string, extra: Record<string, string> = {}): string {
  return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql], {
    env: { ...env, ...extra },
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  }).trim();
}

/** Every row of the test tables, in key order, as PostgreSQL's text format: the row-for-row comparison. */
function snapshot(db: string): string {
  return ['flow_run', 'log'].map((t) => psql(db, `COPY (SELECT * FROM ${t} ORDER BY id) TO STDOUT`)).join('\n--\n');
}

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
// Characters that break naive quoting in SQL, shells and URLs.
const APP_PASSWORD = `p@ss w'o"rd%zz$(x)\\;`;

describe('ensure-database.sh (init script and migrate init container)', () => {
  test('creates role, database and pg_trgm, is idempotent, and adds pg_trgm to an existing database', () => {
    const id = unique();
    const app = { APP_USER: `app_${id}`, APP_PASSWORD, APP_DATABASE: `db_${id}` };
    const first = run('ensure-database.sh', app);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`role app_${id}, database db_${id} (owner app_${id}), pg_trgm`);
    expect(run('ensure-database.sh', app).status).toBe(0);
    // The role logs in with the hostile password over TCP (scram-sha-256) and owns its database.
    expect(
      psql(`db_${id}`, "SELECT current_user, (SELECT extname FROM pg_extension WHERE extname = 'pg_trgm')", { PGUSER: `app_${id}`, PGPASSWORD: APP_PASSWORD }),
    ).toBe(`app_${id}|pg_trgm`);

    // The seed's "existing database": created long ago without pg_trgm; the script adds it, keeps the data.
    psql('postgres', `CREATE DATABASE old_${id} OWNER app_${id}`);
    psql(`old_${id}`, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)');
    expect(psql(`old_${id}`, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).toBe('0');
    expect(run('ensure-database.sh', { ...app, APP_DATABASE: `old_${id}` }).status).toBe(0);
    expect(psql(`old_${id}`, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).toBe('1');
    expect(psql(`old_${id}`, 'SELECT id FROM kept')).toBe('42');

    // A rotated Secret: the next run re-applies the new password.
    expect(run('ensure-database.sh', { ...app, APP_PASSWORD: 'rotated-pw' }).status).toBe(0);
    expect(psql(`db_${id}`, 'SELECT 1', { PGUSER: `app_${id}`, PGPASSWORD: 'rotated-pw' })).toBe('1');
  });

  test('MONITOR_USER: a pg_monitor role without password that logs in over the local socket only', () => {
    const id = unique();
    const mon = `mon_${id}`;
    const app = { APP_USER: `app_${id}`, APP_PASSWORD, APP_DATABASE: `db_${id}`, MONITOR_USER: mon };
    const first = run('ensure-database.sh', app);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`monitoring role ${mon} (pg_monitor)`);
    const again = run('ensure-database.sh', app);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe(''); // the repeated GRANT says nothing
    expect(
      psql(
        'postgres',
        `SELECT rolsuper, rolcreaterole, rolcreatedb, rolpassword IS NULL, pg_has_role('${mon}', 'pg_monitor', 'member')
      FROM pg_authid WHERE rolname = '${mon}'`,
      ),
    ).toBe('f|f|f|t|t');
    expect(
      psql(
        'postgres',
        `SELECT string_agg(b.rolname, ',') FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid
      JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = '${mon}'`,
      ),
    ).toBe('pg_monitor');
    psql(`db_${id}`, "CREATE TABLE secret_rows (v text); INSERT INTO secret_rows VALUES ('x')", { PGUSER: `app_${id}`, PGPASSWORD: APP_PASSWORD });

    // Over the socket without a password (the exporter's way): statistics and sizes, but no table data.
    const socket = { PGHOST: path.join(clusterEnv.CDK8S_PREFECT_DATA_PG_STATE!, 'sock'), PGUSER: mon, PGPASSWORD: '' };
    expect(psql(`db_${id}`, "SELECT relname, pg_total_relation_size(relid) > 0 FROM pg_stat_user_tables WHERE relname = 'secret_rows'", socket)).toBe(
      'secret_rows|t',
    );
    expect(psql(`db_${id}`, `SELECT pg_database_size('db_${id}') > 0`, socket)).toBe('t');
    const attempt = (sql: string, extra: Record<string, string>) =>
      spawnSync('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', `db_${id}`, '-c', sql], { env: { ...env, ...extra }, encoding: 'utf8' });
    const read = attempt('SELECT * FROM secret_rows', socket);
    expect(read.status).not.toBe(0);
    expect(read.stderr).toContain('permission denied for table secret_rows');
    // Over TCP there is no password that works.
    const tcp = attempt('SELECT 1', { PGUSER: mon, PGPASSWORD: 'guess' });
    expect(tcp.status).not.toBe(0);
    expect(tcp.stderr).toContain('password authentication failed');
  });

  test('fails clearly when the server is not there', () => {
    const r = run('ensure-database.sh', { APP_USER: 'x', APP_PASSWORD: 'y', APP_DATABASE: 'z', PGPORT: '1', WAIT_SECONDS: '2' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('not ready after 2s');
  });
});

describe('pg-backup.sh and pg-restore.sh', () => {
  const id = unique();
  const db = `prefect_${id}`;
  const app = `prefect_app_${id}`;
  let dir: string;
  let atBackup: string;
  let dumpName: string;

  beforeAll(() => {
    expect(run('ensure-database.sh', { APP_USER: app, APP_PASSWORD, APP_DATABASE: db }).status).toBe(0);
    const owner = { PGUSER: app, PGPASSWORD: APP_PASSWORD };
    psql(
      db,
      `
      CREATE TABLE flow_run (id uuid PRIMARY KEY, name text NOT NULL, state jsonb, created timestamptz, payload bytea, score numeric(12,4));
      CREATE TABLE log (id bigserial PRIMARY KEY, flow_run_id uuid REFERENCES flow_run (id), message text);
      CREATE INDEX log_message_trgm ON log USING gin (message gin_trgm_ops);
      INSERT INTO flow_run
        SELECT md5(g::text)::uuid, 'run-' || g || ' ✓ ünïcödé', jsonb_build_object('type', CASE WHEN g % 3 = 0 THEN 'COMPLETED' ELSE 'RUNNING' END, 'n', g),
               timestamptz '2026-01-01 00:00:00+00' + g * interval '37 seconds', CASE WHEN g % 7 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END, g / 7.0
        FROM generate_series(1, 5000) g;
      INSERT INTO log (flow_run_id, message) SELECT md5((g % 5000 + 1)::text)::uuid, 'line ' || g || E' tab\\there "quoted" \\\\ back' FROM generate_series(1, 20000) g;
    `,
      owner,
    );
    dir = tmpDir();
    atBackup = snapshot(db);
  });

  test('writes one complete, private dump atomically', () => {
    const r = run('pg-backup.sh', { PGDATABASE: db, BACKUP_DIR: dir });
    expect(r.status).toBe(0);
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    dumpName = files[0];
    expect(dumpName).toMatch(new RegExp(`^${db}-\\d{8}T\\d{6}Z\\.dump$`));
    expect(r.stdout).toContain(`pg-backup: wrote ${dumpName}`);
    expect(r.stdout).toMatch(new RegExp(`keep ${dumpName} daily:`));
    expect(fs.statSync(path.join(dir, dumpName)).mode & 0o777).toBe(0o600);
    // Custom format: pg_restore lists the table data and the trigram index.
    const list = execFileSync('pg_restore', ['--list', path.join(dir, dumpName)], { env, encoding: 'utf8' });
    expect(list).toMatch(/TABLE DATA public flow_run/);
    expect(list).toMatch(/INDEX public log_message_trgm/);
    expect(list).toMatch(/EXTENSION - pg_trgm/);
  });

  test('a run that fails leaves no file that looks complete', () => {
    const failDir = tmpDir();
    const wrong = run('pg-backup.sh', { PGDATABASE: db, BACKUP_DIR: failDir, PGPASSWORD: 'wrong', WAIT_SECONDS: '0' });
    expect(wrong.status).not.toBe(0);
    expect(fs.readdirSync(failDir)).toEqual([]);

    // pg_dump "succeeds" but its archive is truncated (a full disk, a killed pipe): the read-back check refuses it.
    const bin = tmpDir();
    fs.writeFileSync(
      path.join(bin, 'pg_dump'),
      `#!/bin/bash\nset -e\n"${env.PGBIN}/pg_dump" "$@"\nfor a in "$@"; do case $a in --file=*) f=\${a#--file=};; esac; done\ntruncate -s $(( $(stat -c %s "$f") / 2 )) "$f"\n`,
      { mode: 0o755 },
    );
    const truncated = run('pg-backup.sh', { PGDATABASE: db, BACKUP_DIR: failDir, PATH: `${bin}:${env.PATH}` });
    expect(truncated.status).not.toBe(0);
    expect(fs.readdirSync(failDir)).toEqual([]);
  });

  test('restores into an empty database row for row', () => {
    const copy = `${db}_copy`;
    const r = run('pg-restore.sh', { PGDATABASE: copy, BACKUP_PREFIX: db, BACKUP_DIR: dir, DUMP: dumpName, APP_USER: app });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${dumpName} restored as ${copy}`);
    expect(snapshot(copy)).toBe(atBackup);
    expect(psql(copy, 'SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()')).toBe(app);
    expect(psql(copy, "SELECT count(*) > 0 FROM log WHERE message % 'line 123 tab'")).toBe('t'); // pg_trgm works
    expect(psql(copy, "SELECT indexdef FROM pg_indexes WHERE indexname = 'log_message_trgm'")).toContain('gin_trgm_ops');
  });

  test('restores over the live database: writers fenced, previous kept closed, newest dump by default', async () => {
    // Writes after the backup, which the restore must undo.
    psql(db, "DELETE FROM log WHERE id <= 100; UPDATE flow_run SET name = 'changed'; INSERT INTO log (message) VALUES ('after backup')");
    expect(snapshot(db)).not.toBe(atBackup);
    // A writer holding a session (a Prefect pod): the restore must terminate it.
    const writer: ChildProcess = spawn('psql', ['-X', '-d', db, '-c', 'SELECT pg_sleep(300)'], {
      env: { ...env, PGUSER: app, PGPASSWORD: APP_PASSWORD },
      stdio: 'ignore',
    });
    const writerExit = new Promise<number | null>((resolve) => writer.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 50 && psql('postgres', `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db}' AND query LIKE '%pg_sleep%'`) === '0'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }

    const r = run('pg-restore.sh', { PGDATABASE: db, BACKUP_DIR: dir, APP_USER: app });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`restoring ${dumpName}`);
    expect(r.stdout).toContain('terminated 1 session(s)');
    expect(await writerExit).not.toBe(0);
    expect(snapshot(db)).toBe(atBackup);

    const previous = /kept as (\S+) \(connections disabled\)/.exec(r.stdout)?.[1];
    expect(previous).toMatch(new RegExp(`^${db}_pre_restore_\\d{14}$`));
    expect(psql('postgres', `SELECT datallowconn FROM pg_database WHERE datname = '${previous}'`)).toBe('f');
    expect(psql('postgres', `SELECT datallowconn FROM pg_database WHERE datname = '${db}'`)).toBe('t');
    // The application role connects to the restored database as before.
    expect(psql(db, "SELECT count(*) FROM log WHERE message = 'after backup'", { PGUSER: app, PGPASSWORD: APP_PASSWORD })).toBe('0');
  });

  test('a failed restore leaves the live database serving', () => {
    fs.writeFileSync(path.join(dir, `${db}-20200101T000000Z.dump`), 'not an archive');
    const before = snapshot(db);
    const r = run('pg-restore.sh', { PGDATABASE: db, BACKUP_DIR: dir, DUMP: `${db}-20200101T000000Z.dump`, APP_USER: app });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('is not a readable pg_dump archive');
    const missing = run('pg-restore.sh', { PGDATABASE: db, BACKUP_DIR: dir, DUMP: 'nope.dump' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('no dump nope.dump');
    expect(snapshot(db)).toBe(before);
    expect(psql('postgres', `SELECT count(*) FROM pg_database WHERE datname LIKE '${db}_restore_%'`)).toBe('0');
  });

  test('waits for a server that is not reachable yet (a new pod is admitted late), and says so when it never is', async () => {
    // PostgreSQL reachable only 3 s after the restore starts: a TCP forwarder to the real server that listens then.
    const port = await freePort();
    const forwarder = net.createServer((c) => {
      const up = net.connect(Number(env.PGPORT), String(env.PGHOST));
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    const late = setTimeout(() => forwarder.listen(port, '127.0.0.1'), 3000);
    const child = spawn('bash', [path.join(SCRIPTS, 'pg-restore.sh')], {
      env: { ...env, PGPORT: String(port), PGDATABASE: `${db}_late`, BACKUP_PREFIX: db, BACKUP_DIR: dir, DUMP: dumpName, APP_USER: app },
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(late);
    forwarder.close();
    expect([status, out]).toEqual([0, expect.stringContaining(`restored as ${db}_late`)]);
    expect(psql(`${db}_late`, 'SELECT count(*) FROM log')).toBe('20000');

    const never = run('pg-restore.sh', { PGPORT: '1', PGDATABASE: `${db}_never`, BACKUP_PREFIX: db, BACKUP_DIR: dir, DUMP: dumpName, WAIT_SECONDS: '2' });
    expect(never.status).not.toBe(0);
    expect(never.stderr).toContain('not ready after 2s');
  });
});

describe('pg-prune.sh with a fake calendar of dumps', () => {
  const prefix = 'prefect';
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
  /** Daily dumps at 02:15 from 2025-10-01 to 2026-11-29, with gaps and extras. */
  function calendar(): { dir: string; dumps: string[] } {
    const dir = tmpDir();
    const dumps: string[] = [];
    for (let t = Date.UTC(2025, 9, 1, 2, 15); t <= Date.UTC(2026, 10, 29, 2, 15); t += 86400_000) {
      const s = stamp(new Date(t));
      if (s.startsWith('20261125') || s.startsWith('20261115')) continue; // days the backup failed
      dumps.push(`${prefix}-${s}.dump`);
    }
    dumps.push(`${prefix}-20261128T200000Z.dump`, `${prefix}-20261129T130000Z.dump`); // a second run; one after "now"
    for (const f of [...dumps, 'notes.txt', 'other-20260101T021500Z.dump', `${prefix}-2026-11-01.dump`, `.${prefix}-20261129T021500Z.dump.partial`]) {
      fs.writeFileSync(path.join(dir, f), 'x');
    }
    const stale = path.join(dir, `.${prefix}-20261120T021500Z.dump.partial`);
    fs.writeFileSync(stale, 'x');
    const old = new Date(Date.now() - 2 * 86400_000);
    fs.utimesSync(stale, old, old);
    return { dir, dumps };
  }
  const untouched = ['notes.txt', 'other-20260101T021500Z.dump', `${prefix}-2026-11-01.dump`, `.${prefix}-20261129T021500Z.dump.partial`];
  const names = (...stamps: string[]) => stamps.map((s) => `${prefix}-${s}.dump`);

  test('defaults 7 daily / 4 weekly / 6 monthly keep exactly their buckets', () => {
    const { dir } = calendar();
    const r = run('pg-prune.sh', { BACKUP_PREFIX: prefix }, [dir, '2026-11-29T12:00:00Z']);
    expect(r.status).toBe(0);
    const expected = [
      // daily: 29, 28 (the later of two runs), 27, 26, (25 has none), 24, 23 November
      ...names('20261129T021500Z', '20261128T200000Z', '20261127T021500Z', '20261126T021500Z', '20261124T021500Z', '20261123T021500Z'),
      // weekly: W48 is the 29th (above); W47 → Sun 22; W46 → Sat 14 (the 15th failed); W45 → Sun 8
      ...names('20261122T021500Z', '20261114T021500Z', '20261108T021500Z'),
      // monthly: November is the 29th (above); October … June → their last days
      ...names('20261031T021500Z', '20260930T021500Z', '20260831T021500Z', '20260731T021500Z', '20260630T021500Z'),
      ...names('20261129T130000Z'), // after "now": not ours to judge
      ...untouched,
    ];
    expect(fs.readdirSync(dir).sort()).toEqual(expected.sort());
    expect(r.stdout).toContain(`keep ${prefix}-20261114T021500Z.dump weekly:2026-W46`);
    expect(r.stdout).toContain(`keep ${prefix}-20261129T021500Z.dump daily:2026-11-29 weekly:2026-W48 monthly:2026-11`);
    expect(r.stdout).toContain(`delete ${prefix}-20261128T021500Z.dump`);
    expect(r.stdout).toContain(`delete stale ${dir}/.${prefix}-20261120T021500Z.dump.partial`);
    // Idempotent: a second run deletes nothing.
    const again = run('pg-prune.sh', { BACKUP_PREFIX: prefix }, [dir, '2026-11-29T12:00:00Z']);
    expect(again.stdout).not.toContain('delete');
    expect(fs.readdirSync(dir).sort()).toEqual(expected.sort());
  });

  test('weeks and months across a year boundary (0 daily, 3 weekly, 3 monthly)', () => {
    const { dir, dumps } = calendar();
    const now = '2026-01-04T10:00:00Z'; // Sunday of ISO week 2026-W01 (29 Dec 2025 - 4 Jan 2026)
    const r = run('pg-prune.sh', { BACKUP_PREFIX: prefix, KEEP_DAILY: '0', KEEP_WEEKLY: '3', KEEP_MONTHLY: '3' }, [dir, now]);
    expect(r.status).toBe(0);
    const afterNow = dumps.filter((f) => f > `${prefix}-20260104T100000Z.dump`);
    expect(fs.readdirSync(dir).sort()).toEqual(
      [
        ...names('20260104T021500Z', '20251228T021500Z', '20251221T021500Z'), // 2026-W01, 2025-W52, 2025-W51
        ...names('20251231T021500Z', '20251130T021500Z'), // January (the 4th, above), December, November
        ...afterNow,
        ...untouched,
      ].sort(),
    );
  });

  test('refuses a retention of 0 everywhere and a bad time, deleting nothing; DRY_RUN only prints', () => {
    const { dir } = calendar();
    const before = fs.readdirSync(dir).sort();
    const zero = run('pg-prune.sh', { BACKUP_PREFIX: prefix, KEEP_DAILY: '0', KEEP_WEEKLY: '0', KEEP_MONTHLY: '0' }, [dir, '2026-11-29T12:00:00Z']);
    expect(zero.status).toBe(2);
    expect(zero.stderr).toContain('a retention of 0 everywhere would delete every dump');
    const badTime = run('pg-prune.sh', { BACKUP_PREFIX: prefix }, [dir, 'yesterdayish']);
    expect(badTime.status).toBe(2);
    const dry = run('pg-prune.sh', { BACKUP_PREFIX: prefix, DRY_RUN: '1' }, [dir, '2026-11-29T12:00:00Z']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('delete prefect-20261128T021500Z.dump');
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });
});
