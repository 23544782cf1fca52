import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { loadConfig } from './config/load';
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
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(parent, '.synth-'));
  try {
    const app = new App({ outdir: scratch });
    new PrefectStack(app, 'prefect-stack', props);
    app.synth();
    for (const dir of [...new Set([outdir, ...alsoTo].map((d) => path.resolve(d)))]) replaceDir(scratch, dir);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
