import { pct, ruleFactory, ruleFileGroups } from '../../../charts';
import { one, withMonitoring } from '../../util';
import { OPTIONS } from './context';

describe('ruleFactory: the labels and annotations every alert gets', () => {
  test('thresholds, extra labels and the ingress label names reach the expressions', () => {
    const o = withMonitoring({
      rules: {
        postgresConnectionsRatio: 0.7,
        apiLatencySeconds: 2.5,
        backupMaxAgeHours: 30,
        labels: { team: 'data' },
        runbookBaseUrl: 'https://wiki.example.com/prefect',
      },
      ingressMetrics: { namespaceLabel: 'namespace', serviceLabel: 'service' },
    });
    const rules = Object.fromEntries(
      one(o, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert).map((r: any) => [r.alert, r])),
    );
    expect(rules.PrefectPostgresConnectionsNearLimit.expr).toMatch(/> 0\.7$/);
    expect(rules.PrefectApiHighLatency.expr).toMatch(/> 2\.5$/);
    expect(rules.PrefectApiHighLatency.expr).toContain('{namespace="prefect",service="prefect-api",status!="101"}');
    expect(rules.PrefectBackupTooOld.expr).toContain(`> ${30 * 3600}`);
    expect(rules.PrefectBackupTooOld.labels).toEqual({ severity: 'critical', team: 'data' });
    expect(rules.PrefectRedisDown.annotations.runbook_url).toBe('https://wiki.example.com/prefect#prefectredisdown');
  });
});

describe('rule helpers', () => {
  const spec = { alert: 'PrefectX', expr: 'up == 0', for: '5m', severity: 'critical' as const, summary: 's', description: 'd', runbook: 'r' };

  test('the severity label comes first and extra labels cannot drop it; the runbook link is the lower-cased alert anchor', () => {
    const r = ruleFactory({ ...OPTIONS, labels: { team: 'data' }, runbookBaseUrl: 'https://wiki.example.com/p' })(spec);
    expect(r.labels).toEqual({ severity: 'critical', team: 'data' });
    expect(r.annotations).toEqual({ summary: 's', description: 'd', runbook_url: 'https://wiki.example.com/p#prefectx' });
  });

  test('percentages are rounded whole numbers', () => {
    expect([pct(0.8), pct(0.055), pct(1.25), pct(0.9)]).toEqual(['80 %', '6 %', '125 %', '90 %']);
  });

  test('a rule file: recording rules before the alerts that use them, the runbook text left out, interval only when set', () => {
    const alert = ruleFactory(OPTIONS)(spec);
    const files = ruleFileGroups([
      { name: 'a', rules: [alert], records: [{ record: 'prefect:x', expr: 'sum(up)' }] },
      { name: 'b', interval: '1m', rules: [alert] },
    ]);
    expect(files[0]).toEqual({
      name: 'a',
      rules: [
        { record: 'prefect:x', expr: 'sum(up)' },
        { alert: 'PrefectX', expr: 'up == 0', for: '5m', labels: alert.labels, annotations: alert.annotations },
      ],
    });
    expect(files[0]).not.toHaveProperty('interval');
    expect(files[1].interval).toBe('1m');
    expect(JSON.stringify(files)).not.toContain('runbook"');
  });
});
