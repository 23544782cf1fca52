import type { ResolvedAlertRulesOptions } from '../resolve';
import { promSelector } from '../promql';
import { AlertRuleGroup, AlertRulesContext, ruleFactory } from './rule';

/** The backups' freshness and failures (with backups on). */
export function backupRuleGroups(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup[] {
  const ns = ctx.namespace;
  const rule = ruleFactory(opts);
  const groups: AlertRuleGroup[] = [];
  if (ctx.backupCronJob) {
    const s = promSelector({ namespace: ns, cronjob: ctx.backupCronJob });
    const maxAge = opts.backupMaxAgeHours * 3600;
    groups.push({
      name: `${ctx.instance}.backups`,
      rules: [
        rule({
          alert: 'PrefectBackupTooOld',
          severity: 'critical',
          // A CronJob that never succeeded has no last-successful time: count its age from creation instead.
          expr: `time() - kube_cronjob_status_last_successful_time${s} > ${maxAge}\nor\n(time() - kube_cronjob_created${s} > ${maxAge}\n  unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${s})`,
          for: '10m',
          summary: `No successful Prefect database backup for more than ${opts.backupMaxAgeHours} hours`,
          description: `The backup CronJob {{ $labels.cronjob }} has not completed successfully for more than ${opts.backupMaxAgeHours} hours (or ever, ${opts.backupMaxAgeHours} hours after it was created). A restore now would lose more than a day of flow-run history.`,
          runbook:
            '`kubectl -n NS get cronjob,jobs -l app.kubernetes.io/component=postgres-backup`: a suspended CronJob, jobs that fail (see PrefectBackupJobFailed), or jobs never created (missed schedules beyond startingDeadlineSeconds, e.g. after controller downtime). Run one now with `kubectl create job --from=cronjob/CRONJOB manual-backup` and watch it finish.',
        }),
        rule({
          alert: 'PrefectBackupJobFailed',
          severity: 'warning',
          // The last run was scheduled after the last success and nothing is running: that run failed.
          expr: `(\n  kube_cronjob_status_last_schedule_time${s} > on (namespace, cronjob) kube_cronjob_status_last_successful_time${s}\n  or\n  (kube_cronjob_status_last_schedule_time${s} unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${s})\n)\nand on (namespace, cronjob)\nkube_cronjob_status_active${s} == 0`,
          for: '5m',
          summary: 'The last Prefect database backup failed',
          description: 'The most recent run of the backup CronJob {{ $labels.cronjob }} ended without success; the previous good backup is getting older.',
          runbook:
            '`kubectl -n NS logs job/<latest backup job>` (failed jobs are kept: `failedJobsHistoryLimit`). Typical causes: the backup claim is full (retention too long for its size), the database password Secret changed, `pg_dump` version older than the server. Fix, then run `kubectl create job --from=cronjob/CRONJOB manual-backup`.',
        }),
      ],
    });
  }
  return groups;
}
