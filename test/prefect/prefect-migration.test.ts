import { MINIMAL, one, synth } from '../util';

const job = (props = MINIMAL) => one(synth(props), 'Job');

describe('PrefectMigration', () => {
  test('upgrades the database once, with no retries of a half-applied pod', () => {
    const j = job();
    const c = j.spec.template.spec.containers[0];
    expect(c.args).toEqual(['prefect', 'server', 'database', 'upgrade', '-y']);
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    expect(j.spec.backoffLimit).toBeLessThanOrEqual(3);
    expect(j.spec.activeDeadlineSeconds).toBe(1800);
    // A TTL would delete the Job and the next apply would run it again.
    expect(j.spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  test('is named per release, and stable for the same input', () => {
    expect(job().metadata.name).toMatch(/^prefect-migrate-3-9-1-[0-9a-f]{8}$/);
    expect(job().metadata.name).toBe(job().metadata.name);
    const bumped = job({ ...MINIMAL, prefect: { version: '3.9.2' } }).metadata.name;
    expect(bumped).toMatch(/^prefect-migrate-3-9-2-/);
  });

  test('a changed pod template gets a new name (Job templates are immutable)', () => {
    const a = job().metadata.name;
    const b = job({ ...MINIMAL, migrations: { resources: { limits: { memory: '2Gi' } } } }).metadata.name;
    expect(b).not.toBe(a);
    // API-only changes do not re-run the migration.
    expect(job({ ...MINIMAL, api: { replicas: 5 } }).metadata.name).toBe(a);
  });

  test('Argo CD applies it after the namespace and before the API and services', () => {
    const objs = synth();
    const wave = (kind: string, name?: string) => Number(one(objs, kind, name).metadata.annotations!['argocd.argoproj.io/sync-wave']);
    expect(wave('Namespace')).toBeLessThan(wave('Job'));
    expect(wave('Job')).toBeLessThan(wave('Deployment', 'prefect-api'));
    expect(wave('Job')).toBeLessThan(wave('Deployment', 'prefect-background-services'));
  });

  test('does not talk to Redis', () => {
    const env = job().spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env.filter((n: string) => n.includes('REDIS') || n.includes('DOCKET'))).toEqual([]);
  });
});
