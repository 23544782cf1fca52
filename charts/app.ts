import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { loadEnvironments } from './config/environments';
import { loadConfig } from './config/load';
import type { PrefectStackProps } from './prefect-stack-props';
import { PrefectStack } from './prefect-stack';

/** Replaces `dir` with a copy of `from`, as one rename: a reader never sees a half-written folder. */
function replaceDir(from: string, dir: string): void {
  const next = `${dir}.next-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  fs.rmSync(next, { recursive: true, force: true });
  fs.cpSync(from, next, { recursive: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(next, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Synthesizes the stack a configuration file describes into `outdir` (and `alsoTo`, e.g. the cdk8s CLI's own
 * output folder). Everything is synthesized first in a scratch folder: a bad configuration throws and writes
 * nothing, so the last good `dist/` stays as it was.
 */
export function synthesizeConfig(configFile: string, outdir: string, ...alsoTo: string[]): void {
  const props = loadConfig(configFile);
  writeAtomically(outdir, alsoTo, (scratch) => synthesize(props, scratch));
}

/**
 * Synthesizes every environment of a repository — the shared base file and one overlay per environment in
 * `environmentsDir` (config/environments.ts) — into `outdir/<environment>/`, all or nothing: an error in any
 * environment, or two environments that would write the same cluster-scoped object, writes nothing.
 */
export function synthesizeEnvironments(baseFile: string, environmentsDir: string, outdir: string, ...alsoTo: string[]): void {
  const envs = loadEnvironments(baseFile, environmentsDir);
  writeAtomically(outdir, alsoTo, (scratch) => {
    const owner = new Map<string, string>();
    for (const e of envs) {
      const dir = path.join(scratch, e.name);
      try {
        synthesize(e.props, dir);
      } catch (err) {
        throw new Error(`${e.name} (${path.basename(e.file)}): ${(err as Error).message}`);
      }
      for (const o of objectsIn(dir).filter((x) => !x.metadata?.namespace)) {
        const key = `${o.kind}/${o.metadata.name}`;
        const other = owner.get(key);
        if (other) throw new Error(`${e.name}: writes the cluster-scoped ${key}, as ${other} does; give the environments different names`);
        owner.set(key, e.name);
      }
    }
  });
}

function synthesize(props: PrefectStackProps, outdir: string): void {
  const app = new App({ outdir });
  new PrefectStack(app, 'prefect-stack', props);
  app.synth();
}

/** Runs `write` into a scratch folder beside `outdir`, then puts the result in place of `outdir` (and `alsoTo`). */
function writeAtomically(outdir: string, alsoTo: string[], write: (scratch: string) => void): void {
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(parent, '.synth-'));
  try {
    write(scratch);
    for (const dir of [...new Set([outdir, ...alsoTo].map((d) => path.resolve(d)))]) replaceDir(scratch, dir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The objects of a synthesized folder: what the cluster-scoped check needs of each. */
interface Written {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

function objectsIn(dir: string): Written[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter(Boolean);
}
