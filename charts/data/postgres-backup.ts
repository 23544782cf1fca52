import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { secretEnv } from '../common/secrets';
import { StackContext } from '../common/stack-context';
import { cidrPeer, podsPeer } from '../network/flow';
import { POSTGRES_PORT, POSTGRES_UID, superuserEnv } from './postgres';
import type { ResolvedBackup, ResolvedS3 } from './resolve';
import { DATA_SCRIPTS_PATH } from './scripts';

const BACKUP_DIR = '/backups';
const HANDOFF_DIR = '/handoff';
/** 31 February: a schedule that never fires (the restore CronJob is also suspended). */
const NEVER = '0 0 31 2 *';

/**
 * The seed's "pgbackups": a CronJob that dumps the database (pg_dump custom format, compressed, written
 * atomically) into a backup claim and prunes it by daily/weekly/monthly retention, optionally copying each dump to
 * S3; and a suspended restore CronJob that is the template of a restore Job (docs/operations.md "Backups and restore").
 */
export class PostgresBackup extends Construct {
  constructor(scope: Construct, id: string, b: ResolvedBackup) {
    super(scope, id);
    const pg = b.target;
    const ctx = StackContext.of(this);
    const c = { instance: ctx.instance, name: 'postgresql', component: 'postgres-backup' };
    const labels = componentLabels({ ...c, tier: 'backend' });
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: b.serviceAccountName, labels, pod: b.pod });

    new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      // Argo CD must not delete the backups when the application is deleted; the last sync wave, because with a
      // WaitForFirstConsumer StorageClass the claim stays Pending (Progressing) until the first backup runs and
      // would otherwise hold back the migrate Job and the API.
      metadata: { name: b.claimName, labels, annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false', 'argocd.argoproj.io/sync-wave': '3' } },
      spec: b.claim,
    });

    const common: k8s.EnvVar[] = [
      ...superuserEnv(pg.login),
      { name: 'PGDATABASE', value: pg.database },
      { name: 'BACKUP_DIR', value: BACKUP_DIR },
      { name: 'BACKUP_PREFIX', value: pg.database },
    ];
    const script = (name: string) => ['bash', `${DATA_SCRIPTS_PATH}/${name}`];
    const mounts = (readOnly: boolean): k8s.VolumeMount[] => [
      { name: 'backups', mountPath: BACKUP_DIR, readOnly },
      { name: 'scripts', mountPath: DATA_SCRIPTS_PATH, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const template = (containers: k8s.Container[], initContainers?: k8s.Container[]): k8s.PodTemplateSpec =>
      podTemplate(this, {
        labels,
        pod: b.pod,
        // The postgres image's user: dumps on the claim belong to it, readable by nobody else (umask 077).
        identity: { user: POSTGRES_UID, group: POSTGRES_UID },
        serviceAccountName: sa.name,
        restartPolicy: 'Never',
        initContainers,
        containers,
        volumes: [
          { name: 'backups', persistentVolumeClaim: { claimName: b.claimName } },
          { name: 'scripts', configMap: { name: pg.scriptsConfigMapName, defaultMode: 0o555 } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
          // only where the dump hands the upload its file name (not in the restore pod)
          ...(initContainers ? [{ name: 'handoff', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } }] : []),
        ],
      });

    const backup: k8s.Container = {
      name: 'backup',
      image: pg.image,
      command: script('pg-backup.sh'),
      env: [
        ...common,
        { name: 'KEEP_DAILY', value: String(b.keep.daily) },
        { name: 'KEEP_WEEKLY', value: String(b.keep.weekly) },
        { name: 'KEEP_MONTHLY', value: String(b.keep.monthly) },
        ...(b.s3 ? [{ name: 'LATEST_FILE', value: `${HANDOFF_DIR}/latest` }] : []),
      ],
      resources: b.resources,
      volumeMounts: [...mounts(false), ...(b.s3 ? [{ name: 'handoff', mountPath: HANDOFF_DIR }] : [])],
    };
    // With S3 the dump runs as an init container, so the upload starts only after a complete, renamed dump.
    const containers = b.s3 ? [uploadContainer(ctx.images.ref('s3Client'), b.s3, b.resources)] : [backup];

    new k8s.KubeCronJob(this, 'CronJob', {
      metadata: { name: b.cronJobName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: {
        schedule: b.schedule,
        timeZone: b.timeZone,
        concurrencyPolicy: 'Forbid',
        // After an outage, a missed run starts within the hour or is skipped (the next one comes the same day).
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: b.timeoutSeconds,
            template: template(containers, b.s3 ? [backup] : undefined),
          },
        },
      },
    });

    if (b.restoreCronJobName) {
      const restore: k8s.Container = {
        name: 'restore',
        image: pg.image,
        command: script('pg-restore.sh'),
        env: [
          ...common,
          // Set with `kubectl set env --local … DUMP=<name>`; empty restores the newest dump.
          { name: 'DUMP', value: '' },
          secretEnv('APP_USER', pg.ownerSecret),
          { name: 'KEEP_PREVIOUS', value: 'true' },
          { name: 'RESTORE_JOBS', value: '2' },
        ],
        resources: b.resources,
        volumeMounts: mounts(true),
      };
      // A suspended CronJob, not a Job: each restore is a new Job named at the moment (`kubectl create job --from`),
      // with the dump chosen then; a Job in dist/ would run once, and its immutable template would pin one dump.
      new k8s.KubeCronJob(this, 'RestoreCronJob', {
        metadata: {
          name: b.restoreCronJobName,
          labels,
          annotations: {
            'argocd.argoproj.io/sync-wave': '3',
            'prefect-stack.io/usage': 'kubectl create job --from=cronjob/' + b.restoreCronJobName + ' <name> (docs/operations.md "Backups and restore")',
          },
        },
        spec: {
          schedule: NEVER,
          timeZone: b.timeZone,
          suspend: true,
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: {
            metadata: { labels },
            spec: {
              // A restore is retried by a person who has read the log, never automatically.
              backoffLimit: 0,
              activeDeadlineSeconds: b.restoreTimeoutSeconds,
              template: template([restore]),
            },
          },
        },
      });
    }

    // Backup and restore talk to the database; the upload to the object store.
    const me = podsPeer(b.podSelector);
    ctx.allow(me, podsPeer(pg.serverSelector), [POSTGRES_PORT], 'backup dumps the database');
    if (b.s3) ctx.allow(me, cidrPeer(b.s3.cidrs), [b.s3.port], 'backup uploads to the object store');
  }
}

/** rclone copies the dump the backup container just wrote (named in the handoff file); it never deletes remotely. */
function uploadContainer(image: string, s3: ResolvedS3, resources: k8s.ResourceRequirements): k8s.Container {
  return {
    name: 'upload',
    image,
    command: [
      'sh',
      '-c',
      `set -eu; name="$(cat ${HANDOFF_DIR}/latest)"; rclone copyto --s3-no-check-bucket "${BACKUP_DIR}/$name" "backup:$S3_BUCKET/$S3_PREFIX$name"; echo "upload: copied $name to $S3_BUCKET/$S3_PREFIX"`,
    ],
    env: [
      { name: 'HOME', value: '/tmp' },
      { name: 'RCLONE_CONFIG', value: '/tmp/rclone.conf' },
      // A remote named "backup", configured from the environment only: no config file holds the keys.
      { name: 'RCLONE_CONFIG_BACKUP_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_BACKUP_PROVIDER', value: s3.endpoint ? 'Other' : 'AWS' },
      // Without static keys, the AWS SDK chain: web identity (IRSA), pod identity, instance metadata.
      { name: 'RCLONE_CONFIG_BACKUP_ENV_AUTH', value: String(!s3.keys) },
      { name: 'RCLONE_CONFIG_BACKUP_REGION', value: s3.region },
      ...(s3.endpoint ? [{ name: 'RCLONE_CONFIG_BACKUP_ENDPOINT', value: s3.endpoint }] : []),
      ...(s3.keys
        ? [secretEnv('RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID', s3.keys.accessKeyId), secretEnv('RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY', s3.keys.secretAccessKey)]
        : []),
      { name: 'S3_BUCKET', value: s3.bucket },
      { name: 'S3_PREFIX', value: s3.prefix },
    ],
    resources,
    volumeMounts: [
      { name: 'backups', mountPath: BACKUP_DIR, readOnly: true },
      { name: 'handoff', mountPath: HANDOFF_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}
