import { checkSecretKeyRef, secretEnv } from '../../charts';
import { expectConfigError } from '../util';

describe('Secret references', () => {
  test('a valid object name and data key pass unchanged', () => {
    for (const ref of [
      { name: 'db', key: 'password' },
      { name: 'prefect-db-app', key: 'tls.crt' },
      { name: 'a.b', key: '_under-score.9' },
    ])
      expect(checkSecretKeyRef('x.passwordSecret', ref)).toBe(ref);
  });

  test('a missing reference, a bad name or a key the API server would refuse names the field', () => {
    expectConfigError(() => checkSecretKeyRef('x.passwordSecret', undefined as any), 'x.passwordSecret', /is missing/);
    expectConfigError(() => checkSecretKeyRef('x.passwordSecret', 'db/password' as any), 'x.passwordSecret', /is missing/);
    expectConfigError(() => checkSecretKeyRef('x.passwordSecret', { name: 'Bad_Name', key: 'k' }), 'x.passwordSecret.name');
    // Secret data keys: [-._a-zA-Z0-9]+, at most 253 characters.
    for (const key of ['', 'a b', 'a/b', 'k'.repeat(254), 5 as any])
      expectConfigError(() => checkSecretKeyRef('x.passwordSecret', { name: 'db', key }), 'x.passwordSecret.key', /not a Secret key/);
    expect(checkSecretKeyRef('f', { name: 'db', key: 'k'.repeat(253) }).key).toHaveLength(253);
  });

  test('an env var from a Secret carries the reference, never a value', () => {
    expect(secretEnv('PGPASSWORD', { name: 'db', key: 'password' })).toEqual({
      name: 'PGPASSWORD',
      valueFrom: { secretKeyRef: { name: 'db', key: 'password' } },
    });
  });
});
