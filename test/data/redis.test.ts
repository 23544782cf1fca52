import { envMap, one, synth } from '../util';

describe('Redis', () => {
  const objs = synth({});
  const sts = one(objs, 'StatefulSet', 'prefect-redis');
  const pod = sts.spec.template.spec;
  const redis = pod.containers.find((c: any) => c.name === 'redis');
  const exporter = pod.containers.find((c: any) => c.name === 'exporter');
  const conf: string = one(objs, 'ConfigMap', 'prefect-redis-config').data['redis.conf'];

  test('one replica of the pinned official image, AOF on a claim', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(redis.image).toMatch(/^docker\.io\/library\/redis:(7\.4|8\.\d+)\.\d+$/);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('4Gi');
    expect(redis.volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^appendfsync everysec$/m);
    expect(conf).toMatch(/^dir \/data$/m);
  });

  test("maxmemory with noeviction: Prefect's streams are never evicted", () => {
    expect(conf).toMatch(/^maxmemory 536870912$/m);
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
  });

  test('the password comes from the Secret at start: not in the config, not in any manifest', () => {
    expect(conf).not.toMatch(/^\s*requirepass/m);
    expect(redis.command).toEqual(['redis-server']);
    expect(redis.args).toEqual(['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    const env = envMap(redis);
    expect(env.REDIS_PASSWORD).toBe('secret:prefect-redis/password');
    // Kubernetes expands $(VAR) only from variables defined before: REDIS_PASSWORD must be in env.
    expect(redis.env.findIndex((e: any) => e.name === 'REDIS_PASSWORD')).toBeGreaterThanOrEqual(0);
    expect(env.REDISCLI_AUTH).toBe('secret:prefect-redis/password');
  });

  test('probes ping with redis-cli, authenticated through REDISCLI_AUTH (no password on a command line)', () => {
    for (const p of [redis.startupProbe, redis.readinessProbe, redis.livenessProbe]) {
      expect(p.exec.command.join(' ')).toMatch(/redis-cli .*ping/);
      expect(p.exec.command.join(' ')).not.toMatch(/-a |--pass|PASSWORD/);
    }
    expect(redis.readinessProbe.exec.command.join(' ')).toContain("grep -Eq 'PONG'");
  });

  test("redis_exporter: pinned, port 9121 named metrics, watching Prefect's streams", () => {
    expect(exporter.image).toMatch(/^docker\.io\/oliver006\/redis_exporter:v\d+\.\d+\.\d+$/);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(exporter.args).toContain('--check-streams=db0=events,db0=actions,db0=logs,db0=work-pool-worker-channel-snapshots');
    expect(envMap(exporter).REDIS_PASSWORD).toBe('secret:prefect-redis/password');
    const svc = one(objs, 'Service', 'prefect-redis');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['redis', 6379],
      ['metrics', 9121],
    ]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/instance': 'prefect', 'app.kubernetes.io/component': 'redis' });
  });

  test('restricted as UID 999', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    for (const c of pod.containers) expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('Prefect uses the in-cluster Redis with the Secret', () => {
    const env = envMap(one(objs, 'Deployment', 'prefect-api').spec.template.spec.containers[0]);
    expect(env.PREFECT_REDIS_MESSAGING_HOST).toBe('prefect-redis');
    expect(env.PREFECT_REDIS_MESSAGING_PASSWORD).toBe('secret:prefect-redis/password');
  });

  test('options', () => {
    const o = synth({
      redis: {
        inCluster: {
          maxmemory: '2Gi',
          resources: { limits: { memory: '4Gi' } },
          storage: { size: '16Gi', storageClassName: 'ssd' },
          passwordSecret: { name: 'r', key: 'k' },
        },
      },
    });
    expect(one(o, 'ConfigMap', 'prefect-redis-config').data['redis.conf']).toMatch(/^maxmemory 2147483648$/m);
    const s = one(o, 'StatefulSet', 'prefect-redis');
    expect(s.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'ssd', resources: { requests: { storage: '16Gi' } } });
    expect(envMap(s.spec.template.spec.containers[0]).REDIS_PASSWORD).toBe('secret:r/k');
  });
});
