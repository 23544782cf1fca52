import { Yaml } from 'cdk8s';
import { YamlWriter } from '../../app/yaml-writer';
import { configurations, synth } from '../util';

/** Strings YAML 1.1 reads as something else, or that need quoting, block scalars or escapes. */
const HARD_STRINGS = [
  '',
  ' ',
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'n',
  'true',
  'False',
  'null',
  '~',
  'NULL',
  '0775',
  '0x1F',
  '0b101',
  '1_000',
  '1:20',
  '190:20:30',
  '1e3',
  '.5',
  '-.inf',
  '.NaN',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '<<',
  '=',
  'a: b',
  'a #b',
  '#x',
  '- x',
  '-',
  '?',
  '? x',
  ':x',
  'x:',
  'x: ',
  ' lead',
  'trail ',
  '\ttab',
  'multi\nline',
  'multi\nline\n',
  'multi\nline\n\n',
  '\nlead newline',
  'line  \nspaces before newline',
  'line\n  indented',
  '  indented first\nsecond',
  '---',
  '--- x',
  'x\n---\ny',
  '...',
  '%YAML',
  'a\u0000b',
  'bell\u0007',
  'é ünïcödé',
  '😀',
  "it's",
  'say "hi"',
  'both \' and "',
  '[x]',
  '{x}',
  'x,y',
  '*alias',
  '&anchor',
  '!tag',
  '|',
  '>',
  '@at',
  '`tick`',
  '%pct',
  'x'.repeat(2000),
  'a\u2028b',
  'a\u0085b',
  '\\backslash',
  'trailing spaces after newline\n  ',
  'a '.repeat(100),
  '#!/bin/sh\nset -eu\necho "$HOME"\n',
  '\n',
  '\n\n',
  ' \n ',
];
const HARD_SCALARS: unknown[] = [0, -0, 1, -1, 1.5, 1e21, 1e-7, NaN, Infinity, -Infinity, 2 ** 53, true, false, null];

function corpus(): unknown[] {
  const docs: unknown[] = [];
  for (const s of [...HARD_STRINGS, ...HARD_SCALARS]) {
    docs.push({ value: s }, { list: [s, [s], [[s]], {}, []] }, { deep: { deeper: [{ x: s, y: [s] }, { z: {} }] } });
    if (typeof s === 'string' && s.length <= 1024) docs.push({ [s]: 'v', nested: { [s]: [s] } });
  }
  docs.push({ empty: {}, none: [], both: [{}, []], nested: { a: { b: { c: [1, 'two', { three: 3 }] } } } });
  return docs;
}

describe('app/yaml-writer: byte-identical to cdk8s Yaml.stringify', () => {
  test.each(configurations())('every object of %s', (_name, props) => {
    const objs = synth(props);
    const writer = new YamlWriter();
    expect(writer.stringify(...objs) === Yaml.stringify(...objs)).toBe(true);
    expect(writer.fallbacks).toBe(0); // the fast path wrote all of it
  });

  test('a corpus of hard strings and scalars, as values, keys and sequence items at several depths', () => {
    const docs = corpus();
    const writer = new YamlWriter();
    const ours = docs.map((d) => writer.stringify(d));
    const theirs = docs.map((d) => Yaml.stringify(d));
    expect(ours.filter((o, i) => o !== theirs[i]).map((o, i) => [o, theirs[i]])).toEqual([]);
    expect(writer.stringify(...docs) === Yaml.stringify(...docs)).toBe(true);
    expect(writer.fallbacks).toBe(0);
  });

  test('what the fast path does not cover is written by yaml itself, whole document, and still identical', () => {
    const shared = { a: 1 };
    const cases: unknown[] = [
      { a: undefined, b: 1 }, // keepUndefined
      { one: shared, two: shared }, // yaml writes an anchor and an alias
      { when: new Date(0) }, // a timestamp tag
      { [`k${'x'.repeat(1100)}`]: 1 }, // explicit key
      ['root', 'sequence'],
      'root scalar',
      {},
      undefined,
    ];
    const writer = new YamlWriter();
    for (const c of cases) expect([c, writer.stringify(c)]).toEqual([c, Yaml.stringify(c)]);
    expect(writer.fallbacks).toBe(7); // the four above, and the three roots that are not a non-empty map
    expect(Yaml.stringify({ one: shared, two: shared })).toContain('&a1'); // the case is real: yaml aliases
  });

  test('the comparison sees a difference (negative control)', () => {
    const writer = new YamlWriter();
    expect(writer.stringify({ a: 'yes' }) === Yaml.stringify({ a: 'no' })).toBe(false);
    expect(writer.stringify({ a: 'yes' })).toBe('a: "yes"\n'); // 1.1 boolean: quoted
  });
});
