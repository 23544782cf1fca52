import { apiRuleGroup, backgroundServicesRuleGroup } from '../../../charts/observability/rules/prefect-rules';
import { one, synth, withMonitoring } from '../../util';
import { EXTERNAL } from '../tools';
import { OPTIONS, WATCHED, alerts } from './context';

describe('Prefect rules', () => {
  test('rules follow the stack: no data-server or backup alerts with external data, no ingress alerts when off', () => {
    const ext = one(synth(EXTERNAL), 'PrometheusRule').spec.groups.map((g: any) => g.name);
    expect(ext).toEqual(['prefect.background-services', 'prefect.api']);
    const noIngress = one(withMonitoring({ ingressMetrics: { enabled: false } }), 'PrometheusRule').spec.groups.flatMap((g: any) =>
      g.rules.map((r: any) => r.alert),
    );
    expect(noIngress).not.toContain('PrefectApiHighLatency');
    expect(noIngress).not.toContain('PrefectApiHighErrorRate');
    expect(withMonitoring({ rules: { enabled: false } }).filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
  });
});

describe('backgroundServicesRuleGroup and apiRuleGroup', () => {
  test("the stream alerts need the in-cluster Redis exporter; the services' availability is always watched", () => {
    expect(alerts([backgroundServicesRuleGroup(WATCHED, OPTIONS)])).toEqual([
      'PrefectStreamConsumerLagGrowing',
      'PrefectStreamPendingGrowing',
      'PrefectBackgroundServicesUnavailable',
    ]);
    expect(alerts([backgroundServicesRuleGroup({ ...WATCHED, redisJob: undefined }, OPTIONS)])).toEqual(['PrefectBackgroundServicesUnavailable']);
    expect(backgroundServicesRuleGroup(WATCHED, { ...OPTIONS, streamBacklog: 5000 }).rules[0].expr).toContain('> 5000');
  });

  test('latency and error alerts need the ingress metrics, with their label names; replicas and restarts are always watched', () => {
    const api = apiRuleGroup(WATCHED, OPTIONS);
    expect(alerts([api])).toEqual(['PrefectApiHighLatency', 'PrefectApiHighErrorRate', 'PrefectApiReplicasBelowDesired', 'PrefectPodsRestarting']);
    expect(api.rules[0].expr).toContain('exported_namespace="prefect",exported_service="prefect-api"');
    expect(alerts([apiRuleGroup({ ...WATCHED, ingress: undefined }, OPTIONS)])).toEqual(['PrefectApiReplicasBelowDesired', 'PrefectPodsRestarting']);
  });
});
