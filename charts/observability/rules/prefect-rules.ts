import type { ResolvedAlertRulesOptions } from '../resolve';
import { promRegexEscape, promSelector } from '../promql';
import { AlertRule, AlertRuleGroup, AlertRulesContext, pct, ruleFactory } from './rule';

/** The background services: the Deployment, and the Redis streams their consumers read. */
export function backgroundServicesRuleGroup(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup {
  const ns = ctx.namespace;
  const rule = ruleFactory(opts);
  const bgRules: AlertRule[] = [];
  if (ctx.redisJob) {
    const s = promSelector({ namespace: ns, job: ctx.redisJob });
    bgRules.push(
      rule({
        alert: 'PrefectStreamConsumerLagGrowing',
        severity: 'warning',
        // lag: entries added to the stream that the group has not read yet (Redis 7+ XINFO GROUPS).
        expr: `redis_stream_group_lag${s} > ${opts.streamBacklog}\nand\nderiv(redis_stream_group_lag${s}[15m]) > 0`,
        for: '15m',
        summary: 'Consumer group {{ $labels.group }} of stream {{ $labels.stream }} falls behind',
        description: `More than ${opts.streamBacklog} entries of the Redis stream have not been read by the consumer group, and the backlog has grown for 15 minutes. The Prefect background service behind the group (event persister, triggers, …) is stopped or too slow: events, automations and task-run records are delayed.`,
        runbook:
          'Check the background services pod is Running and its log shows the service consuming (`kubectl logs deploy/INSTANCE-background-services`). A single task-run recorder tops out near one core (Prefect #16299): look at its CPU. If the pod is healthy but idle, restart it; if the group belongs to a service that no longer runs, delete the group (`XGROUP DESTROY`).',
      }),
      rule({
        alert: 'PrefectStreamPendingGrowing',
        severity: 'warning',
        // pending: entries delivered to a consumer but never acknowledged, i.e. consumers that died mid-message.
        expr: `redis_stream_group_messages_pending${s} > ${opts.streamBacklog}\nand\nderiv(redis_stream_group_messages_pending${s}[15m]) > 0`,
        for: '15m',
        summary: 'Unacknowledged messages of group {{ $labels.group }} on stream {{ $labels.stream }} keep growing',
        description: `More than ${opts.streamBacklog} messages were delivered to consumers of the group and never acknowledged, and the number has grown for 15 minutes. Consumers crash or restart mid-message; the entries also keep the stream from being trimmed, so Redis memory grows.`,
        runbook:
          '`XINFO CONSUMERS <stream> <group>` lists consumers with their idle time: many long-idle consumers are pods that are gone. Check background services restarts (PrefectPodsRestarting). Prefect reclaims pending messages of dead consumers after a timeout; if they stay, delete the dead consumers (`XGROUP DELCONSUMER`).',
      }),
    );
  }
  const bg = promSelector({ namespace: ns, deployment: ctx.backgroundDeployment });
  bgRules.push(
    rule({
      alert: 'PrefectBackgroundServicesUnavailable',
      severity: 'critical',
      expr: `kube_deployment_status_replicas_available${bg} == 0\nand on (namespace, deployment)\nkube_deployment_spec_replicas${bg} > 0`,
      for: '5m',
      summary: 'Prefect background services of {{ $labels.namespace }} are not running',
      description:
        'The background services Deployment has had no available replica for 5 minutes: the scheduler, late-run marking, automations, event persistence and cancellation cleanup are all stopped.',
      runbook:
        '`kubectl -n NS describe deploy/INSTANCE-background-services` and its pod: Pending (resources, node selectors), CrashLoopBackOff (log: database or Redis unreachable, migrations not applied), or failing liveness probe (services-alive.py). Fix the cause; the Deployment recovers on its own.',
    }),
  );
  return { name: `${ctx.instance}.background-services`, rules: bgRules };
}

/** The API: latency and errors through the ingress, replicas, and restarts of every pod of the stack. */
export function apiRuleGroup(ctx: AlertRulesContext, opts: ResolvedAlertRulesOptions): AlertRuleGroup {
  const ns = ctx.namespace;
  const rule = ruleFactory(opts);
  const api = promSelector({ namespace: ns, deployment: ctx.apiDeployment });
  const apiRules: AlertRule[] = [];
  if (ctx.ingress) {
    const is = promSelector({ [ctx.ingress.namespaceLabel]: ns, [ctx.ingress.serviceLabel]: ctx.apiService });
    // Websocket upgrades (101) last as long as the connection; they would swamp the latency percentile.
    const isHttp = promSelector({ [ctx.ingress.namespaceLabel]: ns, [ctx.ingress.serviceLabel]: ctx.apiService, status: '101' }, { status: '!=' });
    apiRules.push(
      rule({
        alert: 'PrefectApiHighLatency',
        severity: 'warning',
        expr: `histogram_quantile(0.95, sum by (le) (rate(nginx_ingress_controller_request_duration_seconds_bucket${isHttp}[5m])))\n> ${opts.apiLatencySeconds}`,
        for: '10m',
        summary: 'Prefect API p95 latency is {{ $value | humanizeDuration }}',
        description: `The 95th percentile of API request duration through the ingress has been above ${opts.apiLatencySeconds} s for 10 minutes (websocket upgrades excluded).`,
        runbook:
          'On the overview dashboard, check API CPU (throttling at the limit: raise `api.resources.limits.cpu` or replicas) and the Postgres dashboard (connections at the limit, TPS spike, long transactions). Slow list pages on big `flow_run`/`log`/`events` tables point at retention: shorten PREFECT_SERVER_EVENTS_RETENTION_PERIOD and enable the database vacuum service (`prefect.extraEnv`).',
      }),
      rule({
        alert: 'PrefectApiHighErrorRate',
        severity: 'critical',
        // Below 0.1 request/s a single error is a large ratio: stay silent.
        expr: `sum(rate(nginx_ingress_controller_requests${promSelector({ [ctx.ingress.namespaceLabel]: ns, [ctx.ingress.serviceLabel]: ctx.apiService, status: '5..' }, { status: '=~' })}[5m]))\n/ sum(rate(nginx_ingress_controller_requests${is}[5m]))\n> ${opts.apiErrorRatio}\nand\nsum(rate(nginx_ingress_controller_requests${is}[5m])) > 0.1`,
        for: '5m',
        summary: '{{ $value | humanizePercentage }} of Prefect API requests fail with 5xx',
        description: `More than ${pct(opts.apiErrorRatio)} of requests to the API Service through the ingress have answered 5xx for 5 minutes.`,
        runbook:
          '502/503 with no ready API pods: see PrefectApiReplicasBelowDesired. 500s: read the API logs (`kubectl logs -l app.kubernetes.io/component=api --tail=200`) for database errors (connections exhausted, statement timeouts) or Redis errors. 504: the request exceeded the ingress timeout; compare with PrefectApiHighLatency.',
      }),
    );
  }
  apiRules.push(
    rule({
      alert: 'PrefectApiReplicasBelowDesired',
      severity: 'warning',
      expr: `kube_deployment_status_replicas_available${api}\n< on (namespace, deployment)\nkube_deployment_spec_replicas${api}`,
      for: '10m',
      summary: 'Prefect API of {{ $labels.namespace }} runs fewer replicas than desired',
      description:
        'Fewer API replicas than the Deployment (or its autoscaler) asks for have been available for 10 minutes; the remaining ones carry all traffic and one more failure may take the API down.',
      runbook:
        '`kubectl -n NS get pods -l app.kubernetes.io/component=api`: Pending pods lack node resources or cannot satisfy the spread constraints (`api.spread: required` on too few nodes); pods stuck in the init container wait for migrations (see the migrate Job); unready pods fail /api/ready because Postgres is unreachable.',
    }),
    rule({
      alert: 'PrefectPodsRestarting',
      severity: 'warning',
      expr: `increase(kube_pod_container_status_restarts_total${promSelector({ namespace: ns, pod: `${promRegexEscape(ctx.instance)}-.+` }, { pod: '=~' })}[30m])\n>= ${opts.podRestarts}`,
      for: '0m',
      summary: 'Container {{ $labels.container }} of {{ $labels.pod }} restarted {{ $value | humanize }} times in 30 minutes',
      description: `A container of the stack restarted at least ${opts.podRestarts} times within 30 minutes: it is crash-looping, being OOM-killed or failing its liveness probe.`,
      runbook:
        '`kubectl -n NS describe pod POD` shows the last state: `OOMKilled` means raise the memory limit of that component; a liveness failure shows in events. `kubectl logs POD -c CONTAINER --previous` has the crash.',
    }),
  );
  return { name: `${ctx.instance}.api`, rules: apiRules };
}
