import { execFileSync, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MINIMAL, Obj, synth } from '../util';
import { PrefectStackProps } from '../../charts';

/**
 * The real tools of the observability tests: Debian's promtool (2.42), promtool v3.7.3 built by
 * test/observability/setup.sh, and the lezer PromQL parser of Prometheus' web UI. In CI (CI=true) a missing
 * tool fails the tests; locally they are skipped with a message naming the set-up command.
 */
const CI = process.env.CI === 'true';
const SETUP = 'bash test/observability/setup.sh';

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Debian's promtool (`apt-get install prometheus`). */
export const PROMTOOL = which('promtool');

/** promtool v3.7.3, at the cache path setup.sh builds it to (same key: hash of go.mod + go.sum). */
export const PROMTOOL_V3 = ((): string | undefined => {
  const dir = path.join(__dirname, 'promtool');
  const key = crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(dir, 'go.mod')))
    .update(fs.readFileSync(path.join(dir, 'go.sum')))
    .digest('hex')
    .slice(0, 16);
  const bin = path.join(process.env.CDK8S_PREFECT_CACHE ?? '/var/cache/cdk8s-prefect-stack', 'observability', `promtool-${key}`, 'promtool');
  return fs.existsSync(bin) ? bin : undefined;
})();

const LEZER = path.join(__dirname, 'tools', 'node_modules', '@prometheus-io', 'lezer-promql');

/** The lezer PromQL parser, or undefined when setup.sh has not installed it. */
export function promqlParser(): any {
  if (!fs.existsSync(LEZER)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(LEZER, 'dist', 'index.cjs')).parser;
}

/** `test` when the tool is there; otherwise a failing test in CI and a skipped one locally. */
export function withTool(tool: unknown, name: string): jest.It {
  if (tool) return test;
  if (CI) {
    return ((title: string) =>
      test(title, () => {
        throw new Error(`${name} is missing: run \`${SETUP}\` (CI must install it)`);
      })) as unknown as jest.It;
  }
  console.warn(`skipping tests that need ${name}: run \`${SETUP}\``);
  return test.skip;
}

/** Runs a tool; returns status and combined output. */
export function run(bin: string, args: string[], cwd?: string): { status: number; output: string } {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const created: string[] = [];

/** A fresh temporary directory, removed by {@link removeTmpDirs}. */
export function tmpDir(prefix = 'obs-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes the directories {@link tmpDir} made (call from afterAll). */
export function removeTmpDirs(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** An in-cluster stack (Postgres with backups, Redis) with every monitoring feature on. */
export const FULL: PrefectStackProps = {
  monitoring: {
    prefectExporter: { enabled: true },
    bundled: { prometheus: { enabled: true }, grafana: { enabled: true, adminPasswordSecret: { name: 'grafana-admin', key: 'password' } } },
  },
};

/** Synthesizes {@link FULL} (or the given props). */
export function synthFull(props: PrefectStackProps = FULL): Obj[] {
  return synth(props);
}

/** The external-data minimal stack with monitoring on. */
export const EXTERNAL: PrefectStackProps = { ...MINIMAL, monitoring: {} };

/** The rule groups of the synthesized PrometheusRule, as a Prometheus rule file object. */
export function ruleFileOf(objs: Obj[]): { groups: any[] } {
  const rule = objs.find((o) => o.kind === 'PrometheusRule');
  if (!rule) throw new Error('no PrometheusRule');
  return { groups: rule.spec.groups };
}

/** execFileSync that returns stdout. */
export function exec(bin: string, args: string[]): string {
  return execFileSync(bin, args, { encoding: 'utf8' });
}
