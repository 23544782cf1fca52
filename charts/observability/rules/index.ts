import type { ResolvedAlertRulesOptions } from '../resolve';
import { backupRuleGroups } from './backup-rules';
import { cloudNativePgRuleGroups, postgresRuleGroups } from './postgres-rules';
import { apiRuleGroup, backgroundServicesRuleGroup } from './prefect-rules';
import { redisRuleGroups } from './redis-rules';
import { AlertRuleGroup, AlertRulesContext } from './rule';

export * from './rule';

/**
 * The alert rule groups of the stack: the one source for the PrometheusRule objects, the bundled Prometheus'
 * rule file and the promtool unit tests. Groups whose component the stack does not run are left out.
 */
export function alertRuleGroups(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup[] {
  return [
    ...postgresRuleGroups(ctx, opts),
    ...cloudNativePgRuleGroups(ctx, opts),
    ...redisRuleGroups(ctx, opts),
    backgroundServicesRuleGroup(ctx, opts),
    apiRuleGroup(ctx, opts),
    ...backupRuleGroups(ctx, opts),
  ];
}
