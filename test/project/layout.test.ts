/**
 * Tests mirror charts/: every chart file that holds logic has its own test file, charts/<path>.ts →
 * test/<path>.test.ts (the project standard: "Tests mirror `charts/`; each chart file with logic has its own test").
 * "Holds logic" is mechanical: outside comments the file has a `throw`, an `if (`, a `??` or a ` ? ` ternary.
 * Pure option interfaces, constants and re-exports have none and need no test of their own.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Chart files that hold logic by the rule but need no test of their own, each with its reason. Empty today: every
 * such file has its mirror. An entry must stay true (logic, no mirror), or this test fails and asks to remove it.
 */
const EXCEPTIONS: Record<string, string> = {};

/**
 * Chart files whose logic the rule cannot see, which need their mirror all the same, each with its reason.
 */
const ALSO_REQUIRED: Record<string, string> = {
  'charts/worker/ensure-work-pool.ts': 'its logic is the Python script of the template string ENSURE_WORK_POOL_PY',
};

const LOGIC = /\bthrow\b|\bif \(|\?\?| \? /;

/** The code of a TypeScript source without its comments (block, whole-line and trailing ` // …`). */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .map((l) => l.replace(/\s\/\/.*$/, ''))
    .join('\n');
}

/** Whether a source holds logic by the rule above. */
function holdsLogic(source: string): boolean {
  return LOGIC.test(withoutComments(source));
}

/** The test file that mirrors a chart file. */
function mirrorOf(chartFile: string): string {
  return chartFile.replace(/^charts\//, 'test/').replace(/\.ts$/, '.test.ts');
}

/** Whether a path under charts/ is a source the rule applies to (not typings, not generated imports). */
function isChartSource(file: string): boolean {
  return /^charts\/.+\.ts$/.test(file) && !file.endsWith('.d.ts') && !file.split('/').includes('imports');
}

/**
 * What breaks the rule: chart files with logic (or listed in `also`) and no mirror, and exceptions that are
 * stale (no logic, or a mirror after all) or give no reason.
 */
function layoutProblems(
  files: Array<{ file: string; source: string }>,
  exists: (p: string) => boolean,
  exceptions: Record<string, string> = EXCEPTIONS,
  also: Record<string, string> = ALSO_REQUIRED,
): string[] {
  const problems: string[] = [];
  const known = new Set(files.map((f) => f.file));
  for (const { file, source } of files.filter((f) => isChartSource(f.file))) {
    const needed = holdsLogic(source) || file in also;
    const has = exists(mirrorOf(file));
    if (file in exceptions) {
      if (!exceptions[file].trim()) problems.push(`${file}: exception without a reason`);
      if (!needed) problems.push(`${file}: listed as an exception but holds no logic; remove the entry`);
      if (has) problems.push(`${file}: listed as an exception but ${mirrorOf(file)} exists; remove the entry`);
    } else if (needed && !has) {
      problems.push(`${file}: holds logic but has no ${mirrorOf(file)}`);
    }
  }
  for (const file of [...Object.keys(exceptions), ...Object.keys(also)])
    if (!known.has(file)) problems.push(`${file}: listed but not a chart file; remove the entry`);
  return problems;
}

function chartFiles(): Array<{ file: string; source: string }> {
  return (fs.readdirSync(path.join(ROOT, 'charts'), { recursive: true }) as string[])
    .map((f) => path.posix.join('charts', f.split(path.sep).join('/')))
    .filter(isChartSource)
    .sort()
    .map((file) => ({ file, source: fs.readFileSync(path.join(ROOT, file), 'utf8') }));
}

describe('tests mirror charts/', () => {
  test('every chart file with logic has its own test file', () => {
    const files = chartFiles();
    expect(files.length).toBeGreaterThan(50);
    expect(layoutProblems(files, (p) => fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  });

  test('the rule finds logic in the files that obviously hold it, and none in pure option interfaces', () => {
    const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
    for (const f of ['charts/common/cron.ts', 'charts/edge/resolve-edge.ts', 'charts/network/flow.ts', 'charts/app.ts'])
      expect([f, holdsLogic(read(f))]).toEqual([f, true]);
    for (const f of ['charts/data/options.ts', 'charts/edge/edge-options.ts', 'charts/index.ts', 'charts/worker/options.ts'])
      expect([f, holdsLogic(read(f))]).toEqual([f, false]);
  });

  describe('the check can fail', () => {
    const fabricated = [
      { file: 'charts/x/throws.ts', source: "export const f = (s: string) => { if (!s) throw new Error('empty'); return s; };" },
      { file: 'charts/x/ternary.ts', source: 'export const g = (n: number) => (n > 0 ? n : 0);' },
      { file: 'charts/x/nullish.ts', source: 'export const h = (s?: string) => s ?? "";' },
      {
        file: 'charts/x/options.ts',
        source: '/** Options; if (x) in a comment is not logic. */\nexport interface O {\n  readonly a?: string; // ?? neither\n}',
      },
      { file: 'charts/x/tested.ts', source: 'export const k = (s?: string) => s ?? "";' },
      { file: 'charts/x/types.d.ts', source: 'declare const x: string | undefined; export const y = x ?? "";' },
    ];
    const exists = (p: string) => p === 'test/x/tested.test.ts' || p === 'test/x/options.test.ts';

    test('a file with a throw, an if, a ternary or ?? and no mirror is reported; tested, logic-free and .d.ts files are not', () => {
      expect(layoutProblems(fabricated, exists, {}, {})).toEqual([
        'charts/x/throws.ts: holds logic but has no test/x/throws.test.ts',
        'charts/x/ternary.ts: holds logic but has no test/x/ternary.test.ts',
        'charts/x/nullish.ts: holds logic but has no test/x/nullish.test.ts',
      ]);
    });

    test('an exception silences a file; a stale exception or one without a reason is itself reported', () => {
      expect(
        layoutProblems(fabricated, exists, { 'charts/x/throws.ts': 'a reason', 'charts/x/ternary.ts': 'a reason', 'charts/x/nullish.ts': 'a reason' }, {}),
      ).toEqual([]);
      expect(
        layoutProblems(
          fabricated,
          exists,
          { 'charts/x/throws.ts': ' ', 'charts/x/options.ts': 'no logic', 'charts/x/tested.ts': 'has a test', 'charts/x/gone.ts': 'removed file' },
          {},
        ),
      ).toEqual([
        'charts/x/throws.ts: exception without a reason',
        'charts/x/ternary.ts: holds logic but has no test/x/ternary.test.ts',
        'charts/x/nullish.ts: holds logic but has no test/x/nullish.test.ts',
        'charts/x/options.ts: listed as an exception but holds no logic; remove the entry',
        'charts/x/options.ts: listed as an exception but test/x/options.test.ts exists; remove the entry',
        'charts/x/tested.ts: listed as an exception but test/x/tested.test.ts exists; remove the entry',
        'charts/x/gone.ts: listed but not a chart file; remove the entry',
      ]);
    });

    test('a file whose logic the rule cannot see is required when listed', () => {
      const embedded = [{ file: 'charts/x/script.ts', source: 'export const PY = `if x:\n    pass`;' }];
      expect(layoutProblems(embedded, () => false, {}, {})).toEqual([]);
      expect(layoutProblems(embedded, () => false, {}, { 'charts/x/script.ts': 'Python' })).toEqual([
        'charts/x/script.ts: holds logic but has no test/x/script.test.ts',
      ]);
    });

    test('removing a real mirror is caught', () => {
      const files = chartFiles();
      expect(layoutProblems(files, (p) => p !== 'test/common/cron.test.ts' && fs.existsSync(path.join(ROOT, p)))).toEqual([
        'charts/common/cron.ts: holds logic but has no test/common/cron.test.ts',
      ]);
    });
  });
});
