import { httpProbes } from '../../charts';

describe('httpProbes', () => {
  test('readiness every 10 s and liveness every 30 s, three misses each, on the named port "http" with a 5 s timeout', () => {
    const p = httpProbes({ ready: '/ready' });
    expect(p.readinessProbe).toEqual({ httpGet: { path: '/ready', port: expect.anything() }, timeoutSeconds: 5, periodSeconds: 10, failureThreshold: 3 });
    expect(p.livenessProbe).toMatchObject({ httpGet: { path: '/ready' }, timeoutSeconds: 5, periodSeconds: 30, failureThreshold: 3 });
    expect(p.readinessProbe!.httpGet!.port.value).toBe('http');
    // Without startupSeconds there is no startup probe at all (not one with a zero threshold, which the API refuses).
    expect(p).not.toHaveProperty('startupProbe');
  });

  test('liveness checks its own path when given (it must not depend on other services), readiness keeps its own', () => {
    const p = httpProbes({ ready: '/api/ready', live: '/api/health', port: 'api', timeoutSeconds: 2 });
    expect(p.readinessProbe!.httpGet!.path).toBe('/api/ready');
    expect(p.livenessProbe!.httpGet!.path).toBe('/api/health');
    expect(p.livenessProbe!.httpGet!.port.value).toBe('api');
    expect(p.livenessProbe!.timeoutSeconds).toBe(2);
  });

  test('a startup probe on the liveness path covers at least startupSeconds (5 s period, rounded up)', () => {
    for (const [seconds, threshold] of [
      [300, 60],
      [7, 2],
      [1, 1],
    ]) {
      const s = httpProbes({ ready: '/ready', live: '/live', startupSeconds: seconds }).startupProbe!;
      expect(s).toMatchObject({ httpGet: { path: '/live' }, periodSeconds: 5, failureThreshold: threshold });
      expect(s.periodSeconds! * s.failureThreshold!).toBeGreaterThanOrEqual(seconds);
    }
  });
});
