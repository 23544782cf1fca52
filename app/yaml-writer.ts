// A faster writer of cdk8s's YAML output, byte-identical to `Yaml.stringify` of cdk8s (yaml 2.x, YAML 1.1 schema,
// lineWidth 0). Building yaml's document tree and stringifying it node by node was 40 % of a synth. This lays out
// the block maps and sequences of JSON data itself and leaves every scalar to yaml's own tag stringifiers (quoting,
// block scalars, 1.1 booleans and numbers), memoized. Anything outside plain JSON data (undefined, shared
// references, class instances, keys over 1024 characters, strings yaml would tag otherwise) is written by yaml
// itself, whole document. test/app/yaml-writer.test.ts compares the two on every configuration and a corpus of
// hard strings.
import * as fs from 'fs';
import { Yaml } from 'cdk8s';
import { Document, Scalar, stringify as yamlStringify } from 'yaml';
// yaml's exports map has `yaml/util`; TypeScript's node10 resolution only finds its types by file path.
import type { StringifyContext } from 'yaml/dist/util';
import type * as YamlUtil from 'yaml/dist/util';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stringifyString } = require('yaml/util') as typeof YamlUtil;

/** The options cdk8s's `Yaml.stringify` passes to yaml (cdk8s/lib/yaml.js). */
const CDK8S_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;

type TagObj = {
  tag: string;
  format?: string;
  default?: unknown;
  test?: RegExp;
  identify?: (v: unknown) => boolean;
  stringify?: (item: Scalar, ctx: StringifyContext) => string;
};

/** yaml's stringify context for CDK8S_OPTIONS, taken from yaml itself through a custom tag (no copy of its defaults). */
function rootContext(): StringifyContext {
  let ctx: StringifyContext | undefined;
  const capture = { tag: '!capture', identify: () => false, resolve: (str: string) => str, stringify: (_i: unknown, c: StringifyContext) => ((ctx = c), '') };
  const doc = new Document(null, { ...CDK8S_OPTIONS, customTags: [capture] });
  const node = new Scalar(null);
  node.tag = '!capture';
  doc.contents = node;
  doc.toString(CDK8S_OPTIONS);
  if (!ctx) throw new Error('yaml-writer: could not take the stringify context from yaml');
  if (ctx.options.lineWidth !== 0 || ctx.options.indentSeq !== true || ctx.indentStep !== '  ') {
    throw new Error('yaml-writer: unexpected yaml stringify options');
  }
  return ctx;
}

/** Thrown inside a document the fast path does not cover: that document is written by yaml. */
class Unsupported extends Error {}

export class YamlWriter {
  private readonly ctx = rootContext();
  private readonly tags = (this.ctx.doc.schema.tags as unknown as TagObj[]).filter((t) => t.tag !== '!capture');
  private readonly keyMemo: Array<Map<unknown, string>> = [];
  private readonly valueMemo: Array<Map<unknown, string>> = [];
  private readonly otherMemo = new Map<unknown, string>();
  /** Documents written by yaml itself (outside the fast path); the tests check the fast path's coverage with it. */
  public fallbacks = 0;

  /** Same as cdk8s's `Yaml.stringify(...docs)`. */
  public stringify(...docs: unknown[]): string {
    return docs.map((d) => (d === undefined ? '\n' : this.document(d))).join('---\n');
  }

  private document(d: unknown): string {
    const keys = isPlainObject(d) ? Object.keys(d) : [];
    if (keys.length > 0) {
      try {
        return `${this.map(d as Record<string, unknown>, keys, '', new Set())}\n`;
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
      }
    }
    this.fallbacks++;
    return yamlStringify(d, CDK8S_OPTIONS);
  }

  /** A non-empty block map at `indent` (yaml's stringifyBlockCollection + stringifyPair, JSON only). */
  private map(o: Record<string, unknown>, keys: string[], indent: string, seen: Set<object>): string {
    track(o, seen);
    const inner = `${indent}  `;
    let out = '';
    for (const key of keys) {
      const v = o[key];
      if (v === undefined) throw new Unsupported(); // keepUndefined: yaml writes these its own way
      const k = this.scalar(key, inner, true);
      if (k.length > 1024) throw new Unsupported(); // yaml switches to an explicit `? key`
      if (out) out += `\n${indent}`;
      out += `${k}:${this.value(v, inner, seen)}`;
    }
    return out;
  }

  /** A non-empty block sequence at `indent`. */
  private seq(a: unknown[], indent: string, seen: Set<object>): string {
    track(a, seen);
    const itemIndent = `${indent}  `;
    let out = '';
    for (const v of a) {
      if (out) out += `\n${indent}`;
      out += `- ${this.node(v, itemIndent, seen)}`;
    }
    return out;
  }

  /** What follows `key:` — a space and a scalar or empty collection, or a newline and a block collection. */
  private value(v: unknown, indent: string, seen: Set<object>): string {
    if (typeof v !== 'object' || v === null) return ` ${this.scalar(v, indent, false)}`;
    const s = this.node(v, indent, seen);
    return s === '[]' || s === '{}' ? ` ${s}` : `\n${indent}${s}`;
  }

  private node(v: unknown, indent: string, seen: Set<object>): string {
    if (typeof v !== 'object' || v === null) return this.scalar(v, indent, false);
    if (Array.isArray(v)) return v.length ? this.seq(v, indent, seen) : (track(v, seen), '[]');
    if (!isPlainObject(v)) throw new Unsupported();
    const keys = Object.keys(v);
    return keys.length ? this.map(v, keys, indent, seen) : (track(v, seen), '{}');
  }

  /** A scalar as yaml's stringify() writes it: the tag getTagObject() picks, its stringify or stringifyString. */
  private scalar(v: unknown, indent: string, implicitKey: boolean): string {
    // Memoized: strings per (key or value, indent: block scalars depend on it); other scalars by value (-0 ≠ 0).
    let memo: Map<unknown, string>;
    let memoKey: unknown = v;
    if (typeof v === 'string') {
      const byIndent = implicitKey ? this.keyMemo : this.valueMemo;
      memo = byIndent[indent.length] ??= new Map();
    } else if (typeof v === 'number' || typeof v === 'boolean' || v === null) {
      memo = this.otherMemo;
      if (Object.is(v, -0)) memoKey = '-0';
    } else {
      throw new Unsupported();
    }
    let s = memo.get(memoKey);
    if (s === undefined) {
      let match = this.tags.filter((t) => t.identify?.(v));
      if (match.length > 1) {
        const tested = match.filter((t) => t.test);
        if (tested.length > 0) match = tested;
      }
      const tagObj = match.find((t) => t.format === undefined) ?? match.find((t) => !t.format);
      if (!tagObj || !tagObj.default) throw new Unsupported(); // yaml would write a tag (`!!…`)
      const ctx = { ...this.ctx, indent, implicitKey, inFlow: this.ctx.inFlow } as StringifyContext;
      const node = new Scalar(v);
      s = typeof tagObj.stringify === 'function' ? tagObj.stringify(node, ctx) : stringifyString(node, ctx);
      memo.set(memoKey, s);
    }
    return s;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** yaml aliases an object it meets twice (`&a1` / `*a1`): leave such documents to yaml. */
function track(o: object, seen: Set<object>): void {
  if (seen.has(o)) throw new Unsupported();
  seen.add(o);
}

/**
 * Runs `fn` with cdk8s's `Yaml.save` (what `App.synth()` writes every file with) replaced by the faster writer.
 * The app (main.ts) uses it; the library's `App.synth()` for everyone else is unchanged.
 */
export function withFastYaml<T>(fn: () => T): T {
  const writer = new YamlWriter();
  const save = Yaml.save;
  Yaml.save = (filePath: string, docs: unknown[]) => fs.writeFileSync(filePath, writer.stringify(...docs), { encoding: 'utf8' });
  try {
    return fn();
  } finally {
    Yaml.save = save;
  }
}
