import { DEFAULT_CONNECTION_BUDGET, postgresMaxConnections } from '../../charts';
import { one, synth } from '../util';

describe('postgresMaxConnections', () => {
  test('the default stack: ((3 API + 1 surge) + 1 background + 1 migrate) × (5 + 10) + 1 + 1 + 1 + 10 + 3 = 106', () => {
    expect(postgresMaxConnections()).toBe(106);
    expect(postgresMaxConnections(DEFAULT_CONNECTION_BUDGET)).toBe(106);
  });

  test('each term counts', () => {
    // 10 API replicas (an autoscaler's max), pool 10 + 20: (11 + 1 + 1) × 30 + 16 = 406
    expect(postgresMaxConnections({ apiReplicas: 10, pool: { size: 10, maxOverflow: 20 } })).toBe(406);
    // Two processes per API pod: ((3 + 1) × 2 + 2) × 15 + 16 = 166
    expect(postgresMaxConnections({ apiProcessesPerPod: 2 })).toBe(166);
    // No surge, no headroom, no overflow: (3 + 1 + 1) × 5 + 1 + 1 + 1 + 0 + 3 = 31
    expect(postgresMaxConnections({ apiSurge: 0, headroom: 0, pool: { size: 5, maxOverflow: 0 } })).toBe(31);
    expect(postgresMaxConnections({ superuserReserved: 10 }) - postgresMaxConnections()).toBe(7);
  });

  test('refuses nonsense', () => {
    expect(() => postgresMaxConnections({ apiReplicas: -1 })).toThrow(/apiReplicas/);
    expect(() => postgresMaxConnections({ pool: { size: 0, maxOverflow: 1 } })).toThrow(/pool.size/);
  });

  test('the stack passes the API replicas (or maxReplicas) and the pool to the server', () => {
    const arg = (objs: any[]) =>
      one(objs, 'StatefulSet', 'prefect-postgres').spec.template.spec.containers[0].args.find((a: string) => a.startsWith('max_connections='));
    expect(arg(synth({}))).toBe('max_connections=106');
    expect(arg(synth({ api: { replicas: 5 } }))).toBe(`max_connections=${postgresMaxConnections({ apiReplicas: 5 })}`);
    expect(arg(synth({ api: { autoscaling: { maxReplicas: 8 } }, prefect: { databasePool: { size: 3, maxOverflow: 2 } } }))).toBe(
      `max_connections=${(8 + 1 + 1 + 1) * 5 + 16}`,
    );
  });
});
