import { AlertRuleGroup } from './rules';

/**
 * The alert runbooks (docs/alerts.md): one heading per alert (its anchor is the `runbook_url` fragment) with severity,
 * summary, meaning and runbook. Templated values appear as the label name in capitals or N.
 */
export function alertsMarkdown(groups: AlertRuleGroup[]): string {
  const cell = (s: string) =>
    s
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => l.toUpperCase())
      .replace(/\{\{[^}]*\}\}/g, 'N')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ');
  return groups
    .flatMap((g) => g.rules)
    .map((r) =>
      [
        `## ${r.alert}`,
        '',
        '| | |',
        '|---|---|',
        `| Severity | ${r.labels.severity} (after ${r.for === '0m' ? 'the first evaluation' : r.for}) |`,
        `| Summary | ${cell(r.annotations.summary)} |`,
        `| What it means | ${cell(r.annotations.description)} |`,
        `| Runbook | ${cell(r.runbook)} |`,
        '',
      ].join('\n'),
    )
    .join('\n');
}
