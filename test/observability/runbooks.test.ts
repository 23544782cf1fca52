import * as fs from 'fs';
import * as path from 'path';
import { alertRuleGroups, alertsMarkdown, resolveAlertRulesOptions } from '../../charts';
import { configurations, ofKind, synth } from '../util';

describe('alerts reference', () => {
  test('one docs/alerts.md heading per alert, whose anchor is the runbook URL fragment', () => {
    const groups = alertRuleGroups(
      {
        instance: 'prefect',
        namespace: 'prefect',
        apiDeployment: 'a',
        apiService: 'a',
        backgroundDeployment: 'b',
        postgresJob: 'p',
        database: 'prefect',
        databaseVolumeBytes: 2 ** 34,
        redisJob: 'r',
        backupCronJob: 'c',
        ingress: { namespaceLabel: 'n', serviceLabel: 's' },
      },
      resolveAlertRulesOptions(),
    );
    const md = alertsMarkdown(groups);
    for (const r of groups.flatMap((g) => g.rules)) {
      expect(md).toContain(`## ${r.alert}\n`);
      // GitHub's heading anchor is the lower-cased text.
      expect(r.annotations.runbook_url.endsWith(`#${r.alert.toLowerCase()}`)).toBe(true);
    }
    expect(md).toContain('## PrefectRetentionNotKeepingUp\n');
    expect(md).not.toContain('{{');
  });

  test.each(configurations())('every alert "%s" emits has its heading in docs/alerts.md', (_n, props) => {
    const md = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'alerts.md'), 'utf8');
    const alerts = ofKind(
      synth({ ...props, monitoring: props.monitoring ?? (props.prefect?.authSecret ? { prefectBasicAuthSecret: { name: 'auth' } } : {}) }),
      'PrometheusRule',
    ).flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules.flatMap((x: any) => x.alert ?? [])));
    expect(alerts.filter((a: string) => !md.includes(`## ${a}\n`))).toEqual([]);
  });
});
