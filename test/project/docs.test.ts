import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { PrefectStack, alertsMarkdown, loadConfig } from '../../charts';

const root = path.join(__dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text between a README marker pair. */
export function section(name: string): string {
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)<!-- ${name}:end -->`).exec(readme);
  if (!m) throw new Error(`README.md has no <!-- ${name}:start/end --> markers`);
  return m[1].trim();
}

describe('README', () => {
  test('the configuration reference is the one generated from the schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { table } = require('../../scripts/config-reference.js');
    expect(section('config-reference')).toBe(table.trim());
  });

  test('the alerts section is the one generated from the emitted rules', () => {
    const stack = new PrefectStack(Testing.app(), 'docs', loadConfig(path.join(root, 'prefect-stack.yaml')));
    expect(section('alerts')).toBe(alertsMarkdown(stack.monitoring!.ruleGroups).trim());
  });

  test('shows the commands a fresh machine needs', () => {
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('npm test');
  });
});
