import * as fs from 'fs';
import * as path from 'path';
import { containers, envMap, one, podTemplates, synth } from '../util';

describe('Postgres', () => {
  const objs = synth({});
  const sts = one(objs, 'StatefulSet', 'prefect-postgres');
  const pod = sts.spec.template.spec;
  const postgres = pod.containers.find((c: any) => c.name === 'postgres');
  const exporter = pod.containers.find((c: any) => c.name === 'exporter');

  test('one replica of the pinned official image, data on a claim, PGDATA a subdirectory of the mount', () => {
    expect(sts.spec.replicas).toBe(1);
    expect(postgres.image).toMatch(/^docker\.io\/library\/postgres:17\.\d+$/);
    expect(sts.spec.serviceName).toBe('prefect-postgres-headless');
    const claim = sts.spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.resources.requests.storage).toBe('20Gi');
    expect(claim.spec.storageClassName).toBeUndefined();
    const mount = postgres.volumeMounts.find((m: any) => m.name === 'data').mountPath;
    const pgdata = envMap(postgres).PGDATA;
    expect(pgdata.startsWith(`${mount}/`)).toBe(true);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('credentials come from the existing Secret, never as values', () => {
    const env = envMap(postgres);
    expect(env.POSTGRES_USER).toBe('postgres');
    expect(env.POSTGRES_PASSWORD).toBe('secret:prefect-postgres/postgres-password');
    expect(env.APP_USER).toBe('secret:prefect-postgres/username');
    expect(env.APP_PASSWORD).toBe('secret:prefect-postgres/password');
  });

  test('the exporter is the pg_monitor role over the pod-local socket: no password, no superuser', () => {
    expect(envMap(exporter)).toEqual({ DATA_SOURCE_NAME: 'host=/var/run/postgresql port=5432 user=postgres_exporter dbname=prefect sslmode=disable' });
    expect(exporter.volumeMounts).toEqual([{ name: 'run', mountPath: '/var/run/postgresql', readOnly: true }]);
    expect(postgres.volumeMounts).toContainEqual({ name: 'run', mountPath: '/var/run/postgresql' });
    expect(pod.volumes.find((v: any) => v.name === 'run').emptyDir).toBeDefined();
    // The role is created by ensure-database.sh, on a fresh data directory and before every migration.
    expect(envMap(postgres).MONITOR_USER).toBe('postgres_exporter');
    expect(envMap(one(objs, 'Job').spec.template.spec.initContainers[0]).MONITOR_USER).toBe('postgres_exporter');
    expect(envMap(postgres).POSTGRES_INITDB_ARGS).toContain('--auth-local=trust');
    expect(envMap(postgres).POSTGRES_INITDB_ARGS).toContain('--auth-host=scram-sha-256');
  });

  test('the init script that creates role, database and pg_trgm comes from a ConfigMap', () => {
    const initdb = pod.volumes.find((v: any) => v.name === 'initdb');
    expect(initdb.configMap.items).toEqual([{ key: 'ensure-database.sh', path: '10-prefect-database.sh' }]);
    expect(initdb.configMap.defaultMode).toBe(0o555);
    expect(postgres.volumeMounts).toContainEqual({ name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
    const cm = one(objs, 'ConfigMap', initdb.configMap.name);
    expect(cm.data['ensure-database.sh']).toContain('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    expect(Object.keys(cm.data).sort()).toEqual(['ensure-database.sh', 'pg-backup.sh', 'pg-prune.sh', 'pg-restore.sh']);
    // Byte for byte the files test/data/backup-restore.test.ts runs against a real PostgreSQL.
    for (const [name, text] of Object.entries(cm.data)) expect(text).toBe(fs.readFileSync(path.resolve(__dirname, '../../charts/data/scripts', name), 'utf8'));
  });

  test('runs restricted as UID 999 with writable paths as emptyDirs and no root init', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.initContainers).toBeUndefined();
    for (const c of pod.containers)
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const mounts = postgres.volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/var/run/postgresql', '/tmp', '/dev/shm']));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
  });

  test('probes with pg_isready; a fast shutdown fits in the grace period', () => {
    for (const p of [postgres.startupProbe, postgres.readinessProbe, postgres.livenessProbe]) expect(p.exec.command[0]).toBe('pg_isready');
    expect(postgres.lifecycle.preStop.exec.command).toEqual(expect.arrayContaining(['pg_ctl', 'stop', '-m', 'fast']));
    const t = Number(postgres.lifecycle.preStop.exec.command[postgres.lifecycle.preStop.exec.command.indexOf('-t') + 1]);
    expect(t).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  test('sets max_connections, superuser_reserved_connections and shared_buffers explicitly', () => {
    expect(postgres.args[0]).toBe('postgres');
    expect(postgres.args).toEqual(expect.arrayContaining(['max_connections=106', 'superuser_reserved_connections=3', 'shared_buffers=512MB']));
  });

  test('postgres_exporter sidecar: pinned, port 9187 named metrics, on the client Service', () => {
    expect(exporter.image).toMatch(/^quay\.io\/prometheuscommunity\/postgres-exporter:v\d+\.\d+\.\d+$/);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    const svc = one(objs, 'Service', 'prefect-postgres');
    expect(svc.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['postgres', 5432],
      ['metrics', 9187],
    ]);
    expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
    const headless = one(objs, 'Service', 'prefect-postgres-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(sts.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'postgresql',
      'app.kubernetes.io/instance': 'prefect',
      'app.kubernetes.io/component': 'postgres',
    });
    expect(sts.spec.template.metadata.labels['prefect-stack.io/tier']).toBe('backend');
  });

  test('Prefect connects to the client Service with the application role', () => {
    const api = one(objs, 'Deployment', 'prefect-api').spec.template.spec.containers[0];
    const env = envMap(api);
    expect(env.PREFECT_SERVER_DATABASE_HOST).toBe('prefect-postgres');
    expect(env.PREFECT_SERVER_DATABASE_NAME).toBe('prefect');
    expect(env.PREFECT_SERVER_DATABASE_USER).toBe('secret:prefect-postgres/username');
  });

  test('the migrate Job ensures role, database and pg_trgm as the superuser first', () => {
    const job = one(objs, 'Job');
    const [init] = job.spec.template.spec.initContainers;
    expect(init.name).toBe('ensure-database');
    expect(init.image).toBe(postgres.image);
    expect(init.command.slice(0, 2)).toEqual(['bash', '-c']);
    expect(init.command[2]).toBe(fs.readFileSync(path.resolve(__dirname, '../../charts/data/scripts/ensure-database.sh'), 'utf8'));
    expect(init.command[2]).toContain('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    const env = envMap(init);
    expect(env).toMatchObject({
      PGHOST: 'prefect-postgres',
      PGUSER: 'postgres',
      PGPASSWORD: 'secret:prefect-postgres/postgres-password',
      APP_DATABASE: 'prefect',
    });
    expect(init.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  test('options: names, storage, resources, parameters', () => {
    const o = synth({
      name: 'flows',
      database: {
        inCluster: {
          database: 'orchestration',
          superuser: 'admin',
          storage: { size: '100Gi', storageClassName: 'fast-ssd' },
          superuserPasswordSecret: { name: 'pg-admin', key: 'pw' },
          userSecret: { name: 'pg-app', key: 'user' },
          passwordSecret: { name: 'pg-app', key: 'pw' },
          resources: { limits: { memory: '8Gi' } },
          parameters: { work_mem: '16MB' },
          maxConnections: 300,
        },
      },
    });
    const s = one(o, 'StatefulSet', 'flows-postgres');
    const c = s.spec.template.spec.containers[0];
    expect(s.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast-ssd', resources: { requests: { storage: '100Gi' } } });
    expect(c.args).toEqual(expect.arrayContaining(['work_mem=16MB', 'max_connections=300', 'shared_buffers=2048MB']));
    expect(envMap(c)).toMatchObject({
      POSTGRES_USER: 'admin',
      POSTGRES_PASSWORD: 'secret:pg-admin/pw',
      APP_USER: 'secret:pg-app/user',
      APP_DATABASE: 'orchestration',
    });
    expect(c.resources.limits.memory).toBe('8Gi');
  });

  test('every data-tier pod template passes the restricted checks the namespace enforces', () => {
    for (const { owner, template } of podTemplates(objs).filter((p) => /postgres|redis/.test(p.owner.metadata.name))) {
      expect([owner.metadata.name, template.spec.securityContext.runAsNonRoot]).toEqual([owner.metadata.name, true]);
      for (const c of containers(template)) {
        expect([owner.metadata.name, c.name, c.securityContext.allowPrivilegeEscalation, c.securityContext.capabilities.drop]).toEqual([
          owner.metadata.name,
          c.name,
          false,
          ['ALL'],
        ]);
        expect(c.image).not.toMatch(/:latest$/);
      }
      for (const v of template.spec.volumes ?? [])
        expect(Object.keys(v).filter((k) => k !== 'name')).toEqual([expect.stringMatching(/^(emptyDir|configMap|persistentVolumeClaim|secret)$/)]);
    }
  });
});
