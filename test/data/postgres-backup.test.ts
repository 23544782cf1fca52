import { containers, envMap, one, synth } from '../util';

const creds = { accessKeyIdSecret: { name: 's3', key: 'id' }, secretAccessKeySecret: { name: 's3', key: 'secret' } };

describe('PostgresBackup', () => {
  const objs = synth({});
  const cron = one(objs, 'CronJob', 'prefect-postgres-backup');
  const job = cron.spec.jobTemplate.spec;
  const backup = job.template.spec.containers[0];

  test('a daily CronJob that cannot overlap, start late forever, or run forever', () => {
    expect(cron.spec).toMatchObject({
      schedule: '15 2 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(job).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 3600 });
    expect(job.template.spec.restartPolicy).toBe('Never');
  });

  test('runs pg-backup.sh from the ConfigMap with the postgres image and retention 7/4/6 into the backup claim', () => {
    expect(backup.command).toEqual(['bash', '/opt/prefect-stack/data/pg-backup.sh']);
    expect(backup.image).toBe(one(objs, 'StatefulSet', 'prefect-postgres').spec.template.spec.containers[0].image);
    expect(envMap(backup)).toMatchObject({
      KEEP_DAILY: '7',
      KEEP_WEEKLY: '4',
      KEEP_MONTHLY: '6',
      PGHOST: 'prefect-postgres',
      PGDATABASE: 'prefect',
      BACKUP_DIR: '/backups',
      PGPASSWORD: 'secret:prefect-postgres/postgres-password',
    });
    const claim = one(objs, 'PersistentVolumeClaim', 'prefect-postgres-backups');
    expect(claim.spec.resources.requests.storage).toBe('20Gi');
    expect(claim.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Delete=false', 'argocd.argoproj.io/sync-wave': '3' });
    expect(job.template.spec.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'prefect-postgres-backups' } });
    expect(job.template.spec.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999 });
  });

  test('the restore CronJob is suspended, never scheduled, and restores with the same scripts', () => {
    const restore = one(objs, 'CronJob', 'prefect-postgres-restore');
    expect(restore.spec.suspend).toBe(true);
    expect(restore.spec.schedule).toBe('0 0 31 2 *');
    const spec = restore.spec.jobTemplate.spec;
    expect(spec.backoffLimit).toBe(0);
    const c = spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '/opt/prefect-stack/data/pg-restore.sh']);
    expect(envMap(c)).toMatchObject({ DUMP: '', KEEP_PREVIOUS: 'true', APP_USER: 'secret:prefect-postgres/username' });
    expect(c.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups', readOnly: true });
    // Same pod labels as the backup: the NetworkPolicy that lets backups reach PostgreSQL covers restores.
    expect(spec.template.metadata.labels).toEqual(job.template.metadata.labels);
  });

  test('options: schedule, retention, storage, timeouts; restore and backups can be turned off', () => {
    const o = synth({
      database: {
        inCluster: {
          backups: {
            schedule: '0 */6 * * *',
            timeZone: 'Europe/Berlin',
            keep: { daily: 14, weekly: 0, monthly: 12 },
            storage: { size: '200Gi', storageClassName: 'cold' },
            timeoutSeconds: 7200,
            restore: false,
          },
        },
      },
    });
    const c = one(o, 'CronJob', 'prefect-postgres-backup');
    expect(c.spec).toMatchObject({ schedule: '0 */6 * * *', timeZone: 'Europe/Berlin' });
    expect(c.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(7200);
    expect(envMap(c.spec.jobTemplate.spec.template.spec.containers[0])).toMatchObject({ KEEP_DAILY: '14', KEEP_WEEKLY: '0', KEEP_MONTHLY: '12' });
    expect(one(o, 'PersistentVolumeClaim', 'prefect-postgres-backups').spec).toMatchObject({
      storageClassName: 'cold',
      resources: { requests: { storage: '200Gi' } },
    });
    expect(o.filter((x) => x.metadata.name === 'prefect-postgres-restore')).toEqual([]);
    const off = synth({ database: { inCluster: { backups: { enabled: false } } } });
    expect(off.filter((x) => /backup|restore/.test(x.metadata.name))).toEqual([]);
  });

  test('with S3: the dump runs first, then rclone copies it with keys from the Secret', () => {
    const o = synth({
      database: { inCluster: { backups: { s3: { bucket: 'prefect-backups', prefix: 'prod/', endpoint: 'https://minio.example.com', ...creds } } } },
    });
    const spec = one(o, 'CronJob', 'prefect-postgres-backup').spec.jobTemplate.spec.template.spec;
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['backup']);
    expect(envMap(spec.initContainers[0]).LATEST_FILE).toBe('/handoff/latest');
    const upload = spec.containers[0];
    expect(upload.name).toBe('upload');
    expect(upload.image).toMatch(/^docker\.io\/rclone\/rclone:\d+\.\d+\.\d+$/);
    expect(envMap(upload)).toMatchObject({
      RCLONE_CONFIG_BACKUP_TYPE: 's3',
      RCLONE_CONFIG_BACKUP_PROVIDER: 'Other',
      RCLONE_CONFIG_BACKUP_ENDPOINT: 'https://minio.example.com',
      RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: 'secret:s3/id',
      RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: 'secret:s3/secret',
      S3_BUCKET: 'prefect-backups',
      S3_PREFIX: 'prod/',
    });
    expect(upload.command.join(' ')).toContain('rclone copyto');
    expect(upload.command.join(' ')).not.toMatch(/rclone (sync|delete|purge)/);
    for (const c of containers({ spec })) expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });
});
