import type { ResolvedAlertRulesOptions } from '../resolve';
import { promSelector } from '../promql';
import { AlertRuleGroup, AlertRulesContext, pct, ruleFactory } from './rule';

/** Redis' availability, memory and connections (with an in-cluster server). */
export function redisRuleGroups(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup[] {
  const ns = ctx.namespace;
  const rule = ruleFactory(opts);
  const groups: AlertRuleGroup[] = [];
  if (ctx.redisJob) {
    const s = promSelector({ namespace: ns, job: ctx.redisJob });
    groups.push({
      name: `${ctx.instance}.redis`,
      rules: [
        rule({
          alert: 'PrefectRedisDown',
          severity: 'critical',
          expr: `redis_up${s} == 0 or up${s} == 0`,
          for: '2m',
          summary: 'Redis of {{ $labels.namespace }} is down',
          description:
            "redis_exporter on {{ $labels.pod }} cannot reach Redis, or Prometheus cannot reach the exporter, for 2 minutes. Prefect events, automations and the background services' coordination stop.",
          runbook:
            '`kubectl -n NS get pod -l app.kubernetes.io/component=redis`; read the redis container log (OOM, "Can\'t save in background", AOF errors); check the claim has space. After Redis returns, the API and background pods reconnect on their own; restart the background services Deployment if the scheduler stays idle (Prefect #22436).',
        }),
        rule({
          alert: 'PrefectRedisMemoryNearLimit',
          severity: 'warning',
          // maxmemory 0 means unlimited: the division is +Inf then, so the guard keeps those servers silent.
          expr: `(redis_memory_used_bytes${s} / redis_memory_max_bytes${s} > ${opts.redisMemoryRatio})\nand on (namespace, job, pod)\n(redis_memory_max_bytes${s} > 0)`,
          for: '10m',
          summary: 'Redis of {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of maxmemory',
          description: `Redis memory has been above ${pct(opts.redisMemoryRatio)} of maxmemory for 10 minutes. At the limit Redis evicts keys or refuses writes, and Prefect loses events.`,
          runbook:
            'Look at the Redis dashboard: a growing stream length (`events`, `actions`…) means trimming does not keep up or a consumer group holds old entries (Prefect #18606, #20104). `XINFO GROUPS <stream>` in redis-cli shows groups with large pending counts; delete groups of consumers that no longer exist. Otherwise raise `maxmemory` and the container memory limit together.',
        }),
        rule({
          alert: 'PrefectRedisRejectedConnections',
          severity: 'warning',
          expr: `increase(redis_rejected_connections_total${s}[5m]) > 0`,
          for: '0m',
          summary: 'Redis of {{ $labels.namespace }} rejected connections',
          description:
            'Redis refused {{ $value | humanize }} client connections in the last 5 minutes because maxclients was reached. Prefect processes that cannot connect drop events or fail requests.',
          runbook:
            "Compare `redis_connected_clients` with `redis_config_maxclients` on the Redis dashboard. A connection leak shows as a steady climb after each rollout: restart the leaking Deployment. Otherwise raise `maxclients` (and the pod's file-descriptor limit follows it).",
        }),
      ],
    });
  }
  return groups;
}
