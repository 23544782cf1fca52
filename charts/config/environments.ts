import * as fs from 'fs';
import * as path from 'path';
import { readConfigDocument, validateConfig, validateDocument } from './load';
import type { PrefectStackProps } from '../prefect-stack-props';

/** One environment of a repository: its name (the overlay file's, and its folder under the output) and its props. */
export interface StackEnvironment {
  readonly name: string;
  /** The overlay file it came from. */
  readonly file: string;
  readonly props: PrefectStackProps;
}

// An environment's name is its folder under dist/ and, in the Argo CD example, part of an Application's name.
const ENVIRONMENT_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;

/**
 * Merges an environment's overlay onto the shared base: mappings merge key by key, any other value (a scalar, a
 * list) replaces the base's, and `null` removes the base's key (back to the library's default).
 */
export function mergeConfig(base: unknown, overlay: unknown): unknown {
  if (!isMapping(base) || !isMapping(overlay)) return overlay;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else out[k] = mergeConfig(base[k], v);
  }
  return out;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The environments of a repository: the shared base file, and one overlay file per environment in `dir`
 * (`<environment>.yaml`). The base is checked alone, each merge in full (an overlay is only a part: alone it
 * may lack what the base gives); an error names the file that set the key, with its line. Two environments that would write the same object (the same `name` in the same
 * `namespace`) are refused here, before anything is synthesized.
 */
export function loadEnvironments(baseFile: string, dir: string): StackEnvironment[] {
  const baseDoc = readConfigDocument(baseFile);
  const base = validateDocument(baseDoc);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`${dir}: is not a folder; give --environments DIR, a folder of <environment>.yaml overlays of ${path.basename(baseFile)}`);
  }
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: holds no <environment>.yaml file; write one overlay per environment (e.g. dev.yaml, prod.yaml)`);
  const envs = files.map((f) => {
    const name = f.replace(/\.ya?ml$/, '');
    if (!ENVIRONMENT_NAME.test(name)) {
      throw new Error(`${f}: "${name}" is not an environment name; name the file <name>.yaml with 1-40 lower-case letters, digits and "-"`);
    }
    const file = path.join(dir, f);
    const overlay = readConfigDocument(file);
    // A key is reported where it was set: the overlay when it holds (more of) the key's path, else the base.
    const where = (keyPath: string[]) => {
      const o = overlay.locate(keyPath);
      const b = baseDoc.locate(keyPath);
      return o.depth >= b.depth && o.depth > 0 ? o.at : b.at;
    };
    return { name, file, props: validateConfig(mergeConfig(base, overlay.value), where) };
  });
  if (new Set(envs.map((e) => e.name)).size !== envs.length) throw new Error(`${dir}: two files name the same environment (x.yaml and x.yml); keep one`);
  const seen = new Map<string, string>();
  for (const e of envs) {
    const where = `${e.props.namespace ?? 'prefect'}/${e.props.name ?? 'prefect'}`;
    const other = seen.get(where);
    if (other) throw new Error(`${e.name}: namespace and name ${where} are also ${other}'s; give each environment its own namespace (or name)`);
    seen.set(where, e.name);
  }
  return envs;
}
