import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import * as charts from '../../charts';

const root = path.join(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const DOCS = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text between a marker pair of a file. */
function section(file: string, name: string): string {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(read(file));
  if (!m) throw new Error(`${file} has no <!-- ${name}:start/end --> markers`);
  return m[1].trim();
}

/** GitHub's anchors of a markdown file's headings (lower case, punctuation dropped, spaces to dashes). */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const m = !fence && /^#{1,6} (.*)$/.exec(line);
    if (m)
      out.add(
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      );
  }
  return out;
}

describe('docs', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sections: { file: string; name: string; body: string }[] = require('../../scripts/docs-sections.js').generatedSections(charts);
  test.each(sections.map((s): [string, string, string] => [s.file, s.name, s.body]))(
    '%s: the %s section is the generated one (npm run docs)',
    (file, name, body) => {
      expect(section(file, name)).toBe(body.trim());
    },
  );

  test('the README stays short: a newcomer reads it in five minutes', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(300);
  });

  test('the README has the set-up commands, the apply on its own line, and no install of an unpublished package', () => {
    const readme = read('README.md');
    const lines = readme.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
    for (const cmd of ['npm ci', 'npm run synth', 'kubectl apply -f dist/', 'npm test', 'npm run test:cluster', 'npm run test:e2e']) {
      expect([cmd, lines.includes(cmd)]).toEqual([cmd, true]);
    }
    expect(readme).not.toMatch(/npm install cdk8s-prefect-stack/);
  });

  test.each(DOCS)('every relative link of %s reaches a file, and its #anchor a heading there', (file) => {
    const text = read(file).replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(target)) continue;
      const [rel, anchor] = target.split('#');
      const dest = rel ? path.join(path.dirname(path.join(root, file)), rel) : path.join(root, file);
      if (!fs.existsSync(dest)) {
        broken.push(`${target}: no such file`);
        continue;
      }
      if (anchor && dest.endsWith('.md') && !anchors(fs.readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${target}: no such heading`);
    }
    expect(broken).toEqual([]);
  });

  test("every alert's runbook_url opens its section of docs/alerts.md", () => {
    const stack = new charts.PrefectStack(Testing.app(), 'docs', charts.loadConfig(path.join(root, 'prefect-stack.yaml')));
    const rule = (Testing.synth(stack) as any[]).find((o) => o.kind === 'PrometheusRule');
    const urls: string[] = rule.spec.groups
      .flatMap((g: any) => g.rules)
      .filter((r: any) => r.alert)
      .map((r: any) => r.annotations.runbook_url);
    expect(urls.length).toBeGreaterThan(10);
    const headings = anchors(read('docs/alerts.md'));
    for (const url of urls) {
      const [base, anchor] = url.split('#');
      expect(base).toBe('https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/docs/alerts.md');
      expect([url, headings.has(anchor)]).toEqual([url, true]);
    }
  });
});
