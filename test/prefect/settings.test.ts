import { MINIMAL, envMap, expectConfigError, one, prefectContainers, synth } from '../util';

describe('Prefect settings → environment', () => {
  test('the pool settings reach every process', () => {
    const env = envMap(prefectContainers(synth({ ...MINIMAL, prefect: { databasePool: { size: 8, maxOverflow: 2 } } }))[0]);
    expect(env.PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE).toBe('8');
    expect(env.PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW).toBe('2');
    expect(env.PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_TIMEOUT).toBe('30');
  });

  test('basic auth comes from a Secret, for the server and in-pod clients', () => {
    const env = envMap(
      one(synth({ ...MINIMAL, prefect: { authSecret: { name: 'prefect-auth', key: 'auth-string' } } }), 'Deployment', 'prefect-api').spec.template.spec
        .containers[0],
    );
    expect(env.PREFECT_SERVER_API_AUTH_STRING).toBe('secret:prefect-auth/auth-string');
    expect(env.PREFECT_API_AUTH_STRING).toBe('secret:prefect-auth/auth-string');
  });

  test('extra settings are passed through, managed ones refused', () => {
    const env = envMap(prefectContainers(synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_API_KEEPALIVE_TIMEOUT: '75' } } }))[0]);
    expect(env.PREFECT_SERVER_API_KEEPALIVE_TIMEOUT).toBe('75');
    // Retention has its own keys (prefect.retention).
    expectConfigError(
      () => synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_EVENTS_RETENTION_PERIOD: 'P3D' } } }),
      'prefect.extraEnv.PREFECT_SERVER_EVENTS_RETENTION_PERIOD',
      /managed by the stack/,
    );
    expectConfigError(
      () => synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_DATABASE_HOST: 'x' } } }),
      'prefect.extraEnv.PREFECT_SERVER_DATABASE_HOST',
      /managed by the stack/,
    );
    expectConfigError(() => synth({ ...MINIMAL, prefect: { extraEnv: { HTTP_PROXY: 'x' } } }), 'prefect.extraEnv.HTTP_PROXY', /not a Prefect setting/);
  });

  test('OpenShift: null ids let the platform assign them', () => {
    const spec = one(synth({ ...MINIMAL, prefect: { runAsUser: null, runAsGroup: null } }), 'Deployment', 'prefect-api').spec.template.spec;
    expect(spec.securityContext.runAsUser).toBeUndefined();
    expect(spec.securityContext.fsGroup).toBeUndefined();
    expect(spec.securityContext.runAsNonRoot).toBe(true);
  });
});
