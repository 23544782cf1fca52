import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseAllDocuments } from 'yaml';
import { AJV_OPTIONS, PRECOMPILED_VALIDATOR } from './ajv-options';
import type { PrefectStackProps } from '../prefect-stack-props';

/** The JSON Schema of the configuration file, generated from {@link PrefectStackProps} (`npm run schema`). */
export const CONFIG_SCHEMA_PATH = path.join(__dirname, 'schema.json');

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    // Compiling the schema took most of a synth's time: `npm run build` precompiles it beside this file.
    const precompiled = path.join(__dirname, PRECOMPILED_VALIDATOR);
    if (fs.existsSync(precompiled)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      validator = require(precompiled) as ValidateFunction;
    } else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Ajv = require('ajv').default as typeof import('ajv').default; // only here: loading ajv's compiler costs too
      validator = new Ajv(AJV_OPTIONS).compile(JSON.parse(fs.readFileSync(CONFIG_SCHEMA_PATH, 'utf8')));
    }
  }
  return validator;
}

/** Levenshtein distance, to suggest the key the user meant. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function describe(e: ErrorObject, key: string): string {
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const near = allowed.filter((k) => distance(k.toLowerCase(), extra.toLowerCase()) <= 2);
      const field = key ? `${key}.${extra}` : extra;
      return `${field}: unknown key; ${near.length ? `did you mean "${near[0]}"?` : `allowed keys here: ${allowed.join(', ')}`}`;
    }
    case 'enum':
      return `${key}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${key ? `${key}.` : ''}${(e.params as { missingProperty: string }).missingProperty}: is required`;
    case 'type':
      return `${key}: must be of type ${(e.params as { type: string }).type}`;
    default:
      return `${key}: ${e.message}`;
  }
}

/** A key path as the constructs' errors name it: `scheduling.tolerations[0].operator` (list items by index). */
function fieldName(config: unknown, keyPath: string[]): string {
  let node = config as any;
  let name = '';
  for (const k of keyPath) {
    name += Array.isArray(node) ? `[${k}]` : name ? `.${k}` : k;
    node = node?.[k];
  }
  return name;
}

/**
 * Checks a parsed configuration against the schema: unknown keys, wrong types and missing required keys, each
 * reported with its dotted key (and line, when known). Value rules (quantities, host names, versions, …) are the
 * constructs' own checks, so TypeScript users get them too.
 */
export function validateConfig(config: unknown, where: (keyPath: string[]) => string = () => ''): PrefectStackProps {
  const validate = schemaValidator();
  if (validate(config)) return config as PrefectStackProps;
  // A failed union reports one error per branch; keep the most specific ones.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const lines = [
    ...new Set(
      errors.map((e) => {
        const keyPath = e.instancePath
          .split('/')
          .slice(1)
          .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${where(extra ? [...keyPath, extra] : keyPath)}${describe(e, fieldName(config, keyPath))}`;
      }),
    ),
  ];
  throw new Error(`invalid configuration:\n  ${lines.join('\n  ')}`);
}

/** A configuration file's mapping, not yet validated, and where in the file a key path is (for messages). */
export interface ConfigDocument {
  readonly value: Record<string, unknown>;
  /** `file:line: ` of the deepest part of the key path the file holds, and how deep that is (0: none of it). */
  readonly locate: (keyPath: string[]) => { readonly at: string; readonly depth: number };
}

/**
 * Parses YAML text (duplicate keys are errors) into one mapping. One document holding a mapping: an empty file, a
 * list or several documents are refused, since an empty file would quietly synthesize a much smaller stack.
 */
export function parseConfigDocument(text: string, fileName = 'config'): ConfigDocument {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { uniqueKeys: true, lineCounter, prettyErrors: true });
  const all = Array.isArray(docs) ? docs : [];
  const errors = all.flatMap((d) => d.errors);
  if (errors.length) throw new Error(`${fileName}: ${errors.map((e) => e.message).join('\n')}`);
  if (all.length > 1) {
    throw new Error(`${fileName}: holds ${all.length} YAML documents (separated by ---); keep one configuration per file (one file per environment)`);
  }
  const doc = all[0];
  const value = doc?.toJS();
  if (value === undefined || value === null) {
    throw new Error(`${fileName}: is empty; write the configuration (see prefect-stack.yaml), or {} to take every default on purpose`);
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(
      `${fileName}: is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a mapping of keys; write keys such as name:, prefect:, api: at the top level`,
    );
  }
  const locate = (keyPath: string[]) => {
    for (let n = keyPath.length; n > 0; n--) {
      const node = doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return { at: `${fileName}:${lineCounter.linePos(node.range[0]).line}: `, depth: n };
    }
    return { at: `${fileName}: `, depth: 0 };
  };
  return { value, locate };
}

/** Validates a whole configuration document, each error at its line. */
export function validateDocument(d: ConfigDocument): PrefectStackProps {
  return validateConfig(d.value, (keyPath) => d.locate(keyPath).at);
}

/** Parses YAML text and validates it (see {@link parseConfigDocument}, {@link validateConfig}). */
export function parseConfig(text: string, fileName = 'config'): PrefectStackProps {
  return validateDocument(parseConfigDocument(text, fileName));
}

/** Reads a configuration file into its mapping, unvalidated; a file that cannot be read says why. */
export function readConfigDocument(file: string): ConfigDocument {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code})`;
    throw new Error(`${file}: ${problem} (looked for ${path.resolve(file)}); give the configuration file with --config FILE`);
  }
  return parseConfigDocument(text, path.basename(file));
}

/** Reads and validates a configuration file. */
export function loadConfig(file: string): PrefectStackProps {
  return validateDocument(readConfigDocument(file));
}
