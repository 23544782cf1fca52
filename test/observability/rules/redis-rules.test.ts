import { redisRuleGroups } from '../../../charts/observability/rules/redis-rules';
import { OPTIONS, WATCHED, alerts } from './context';

describe('Redis rules', () => {
  test('with the in-cluster Redis: down, memory near its limit, rejected connections; on its exporter job', () => {
    const groups = redisRuleGroups(WATCHED, OPTIONS);
    expect(groups.map((g) => g.name)).toEqual(['prefect.redis']);
    expect(alerts(groups)).toEqual(['PrefectRedisDown', 'PrefectRedisMemoryNearLimit', 'PrefectRedisRejectedConnections']);
    for (const r of groups[0].rules) expect(r.expr).toContain('{namespace="prefect",job="prefect-redis"}');
  });

  test('the memory threshold follows redisMemoryRatio, and a Redis without maxmemory (0: unlimited) never fires it', () => {
    const memory = (ratio: number) => redisRuleGroups(WATCHED, { ...OPTIONS, redisMemoryRatio: ratio })[0].rules[1].expr;
    expect(memory(0.75)).toContain('/ redis_memory_max_bytes{namespace="prefect",job="prefect-redis"} > 0.75)');
    expect(memory(OPTIONS.redisMemoryRatio)).toContain(`> ${OPTIONS.redisMemoryRatio})`);
    expect(memory(0.75)).toMatch(/and on \(namespace, job, pod\)\n\(redis_memory_max_bytes\{[^}]*\} > 0\)$/);
  });

  test('an external Redis has no exporter of ours: no group', () => {
    expect(redisRuleGroups({ ...WATCHED, redisJob: undefined }, OPTIONS)).toEqual([]);
  });
});
