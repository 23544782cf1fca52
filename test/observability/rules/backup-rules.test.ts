import { backupRuleGroups } from '../../../charts/observability/rules/backup-rules';
import { OPTIONS, WATCHED, alerts } from './context';

describe('backup rules', () => {
  test('with backups: the backup is too old, or its Job failed; scoped to the CronJob', () => {
    const groups = backupRuleGroups(WATCHED, OPTIONS);
    expect(groups.map((g) => g.name)).toEqual(['prefect.backups']);
    expect(alerts(groups)).toEqual(['PrefectBackupTooOld', 'PrefectBackupJobFailed']);
    for (const r of groups[0].rules) expect(r.expr).toContain('namespace="prefect"');
    expect(groups[0].rules[0].expr).toContain('cronjob="prefect-postgres-backup"');
  });

  test("the age threshold is backupMaxAgeHours in seconds (a daily backup may miss one run's margin)", () => {
    expect(backupRuleGroups(WATCHED, OPTIONS)[0].rules[0].expr).toContain(`> ${OPTIONS.backupMaxAgeHours * 3600}`);
    expect(backupRuleGroups(WATCHED, { ...OPTIONS, backupMaxAgeHours: 50 })[0].rules[0].expr).toContain(`> ${50 * 3600}`);
  });

  test('without backups (external database, or backups off): no group at all', () => {
    expect(backupRuleGroups({ ...WATCHED, backupCronJob: undefined }, OPTIONS)).toEqual([]);
  });
});
