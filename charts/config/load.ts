import * as fs from 'fs';
import * as path from 'path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { AJV_OPTIONS, PRECOMPILED_VALIDATOR } from './ajv-options';
import type { PrefectStackProps } from '../prefect-stack';

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
  const lines = [...new Set(errors.map((e) => {
    const keyPath = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `${where(extra ? [...keyPath, extra] : keyPath)}${describe(e, keyPath.join('.'))}`;
  }))];
  throw new Error(`invalid configuration:\n  ${lines.join('\n  ')}`);
}

/** Parses YAML text (duplicate keys are errors) and validates it. */
export function parseConfig(text: string, fileName = 'config'): PrefectStackProps {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter, prettyErrors: true });
  if (doc.errors.length) throw new Error(`${fileName}: ${doc.errors.map((e) => e.message).join('\n')}`);
  const where = (keyPath: string[]) => {
    for (let n = keyPath.length; n > 0; n--) {
      const node = doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${fileName}:${lineCounter.linePos(node.range[0]).line}: `;
    }
    return `${fileName}: `;
  };
  return validateConfig(doc.toJS() ?? {}, where);
}

/** Reads and validates a configuration file. */
export function loadConfig(file: string): PrefectStackProps {
  return parseConfig(fs.readFileSync(file, 'utf8'), path.basename(file));
}
