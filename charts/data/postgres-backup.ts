import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkSecretKeyRef, secretEnv, SecretKeyRef } from '../common/secrets';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { StorageProps, claimSpec } from '../common/storage';
import { checkCron, checkInt, checkUrl, fail } from '../common/validate';
import { POSTGRES_UID, Postgres } from './postgres';
import { DATA_SCRIPTS_PATH } from './scripts';

/** Retention of dumps, like postgres-backup-local: the newest dump of each of the last N days, ISO weeks and months. */
export interface BackupRetention {
  /** @default 7 */
  readonly daily?: number;
  /** @default 4 */
  readonly weekly?: number;
  /** @default 6 */
  readonly monthly?: number;
}

/** A copy of every new dump in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, GCS's XML API, …). */
export interface BackupS3Options {
  /** The bucket (it must exist). */
  readonly bucket: string;
  /**
   * A key prefix inside the bucket, e.g. `prefect/`.
   * @default "" - the bucket's root
   */
  readonly prefix?: string;
  /**
   * The endpoint URL of a non-AWS service, e.g. `https://minio.example.com`.
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * The region.
   * @default "us-east-1"
   */
  readonly region?: string;
  /** The Secret key holding the access key id. */
  readonly accessKeyIdSecret: SecretKeyRef;
  /** The Secret key holding the secret access key. */
  readonly secretAccessKeySecret: SecretKeyRef;
}

/** Backups of the in-cluster PostgreSQL (the `database.inCluster.backups:` section of the configuration file). */
export interface PostgresBackupOptions {
  /**
   * Emit the backup CronJob, its claim and the restore CronJob.
   * @default true - a database without backups is one disk failure from losing every flow run
   */
  readonly enabled?: boolean;
  /**
   * When backups run, five-field cron.
   * @default "15 2 * * *" - daily at 02:15, outside the usual office-hours load
   */
  readonly schedule?: string;
  /**
   * Time zone of the schedule (IANA name).
   * @default "Etc/UTC" - the dump names are UTC too
   */
  readonly timeZone?: string;
  /**
   * How many dumps to keep.
   * @default - 7 daily, 4 weekly, 6 monthly
   */
  readonly keep?: BackupRetention;
  /**
   * The backup claim.
   * @default - 20Gi of the default StorageClass: about 17 dumps of a database that compresses to 1 GiB
   */
  readonly storage?: StorageProps;
  /**
   * How long one backup (dump, check, prune, upload) may run before it is stopped.
   * @default 3600
   */
  readonly timeoutSeconds?: number;
  /**
   * How long a restore may run before it is stopped.
   * @default 7200
   */
  readonly restoreTimeoutSeconds?: number;
  /**
   * Container resources of the backup and restore containers.
   * @default - requests cpu 100m / memory 128Mi, limits cpu 1 / memory 512Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * Also copy each new dump to S3-compatible storage (retention there is the bucket's lifecycle rules').
   * @default - local claim only
   */
  readonly s3?: BackupS3Options;
  /**
   * Emit the restore CronJob (suspended, never scheduled: a template for `kubectl create job --from`).
   * @default true
   */
  readonly restore?: boolean;
}

/** Props of {@link PostgresBackup}. */
export interface PostgresBackupProps extends PostgresBackupOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
  readonly postgres: Postgres;
}

const DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } };
const BACKUP_DIR = '/backups';
const HANDOFF_DIR = '/handoff';
/** 31 February: a schedule that never fires (the restore CronJob is also suspended). */
const NEVER = '0 0 31 2 *';

/**
 * The seed's "pgbackups": a CronJob that dumps the database (pg_dump custom format, compressed, written
 * atomically) into a backup claim and prunes it by daily/weekly/monthly retention, optionally copying each dump to
 * S3; and a suspended restore CronJob that is the template of a restore Job (README "Backups and restore").
 */
export class PostgresBackup extends Construct {
  /** Labels of the backup and restore pods (they reach PostgreSQL, and the object store when set). */
  public readonly podLabels: Record<string, string>;
  public readonly cronJobName: string;
  /** The restore CronJob, absent when `restore: false`. */
  public readonly restoreCronJobName?: string;
  public readonly claimName: string;
  /** The object store, when dumps are copied to S3. */
  public readonly s3?: BackupS3Options;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const field = 'database.inCluster.backups';
    const pg = props.postgres;
    const schedule = checkCron(`${field}.schedule`, props.schedule ?? '15 2 * * *');
    const timeZone = props.timeZone ?? 'Etc/UTC';
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
      fail(`${field}.timeZone`, `"${timeZone}" is not an IANA time zone name`, 'use a name such as Etc/UTC or Europe/Berlin');
    }
    const keep = {
      daily: checkInt(`${field}.keep.daily`, props.keep?.daily ?? 7, 0, 1000),
      weekly: checkInt(`${field}.keep.weekly`, props.keep?.weekly ?? 4, 0, 1000),
      monthly: checkInt(`${field}.keep.monthly`, props.keep?.monthly ?? 6, 0, 1000),
    };
    if (keep.daily + keep.weekly + keep.monthly === 0) {
      fail(`${field}.keep`, 'keeps 0 daily, 0 weekly and 0 monthly dumps, so every dump would be deleted', 'keep at least one (or set backups.enabled: false)');
    }
    const timeout = checkInt(`${field}.timeoutSeconds`, props.timeoutSeconds ?? 3600, 60, 86400);
    const restoreTimeout = checkInt(`${field}.restoreTimeoutSeconds`, props.restoreTimeoutSeconds ?? 7200, 60, 7 * 86400);
    const resources = resolveResources(`${field}.resources`, props.resources, DEFAULT_RESOURCES);
    const claim = claimSpec(`${field}.storage`, props.storage, '20Gi');
    this.s3 = props.s3 && checkS3(`${field}.s3`, props.s3);

    const instance = props.instance;
    const c = { instance, name: 'postgresql', component: 'postgres-backup' };
    this.podLabels = selectorLabels(c);
    const labels = componentLabels({ ...c, tier: 'backend' });
    this.claimName = `${instance}-postgres-backups`;
    this.cronJobName = `${instance}-postgres-backup`;

    new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      // Argo CD must not delete the backups when the application is deleted; the last sync wave, because with a
      // WaitForFirstConsumer StorageClass the claim stays Pending (Progressing) until the first backup runs and
      // would otherwise hold back the migrate Job and the API.
      metadata: { name: this.claimName, labels, annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false', 'argocd.argoproj.io/sync-wave': '3' } },
      spec: claim,
    });

    const common: k8s.EnvVar[] = [
      ...pg.superuserEnv(),
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
    const podSpec = (containers: k8s.Container[], initContainers?: k8s.Container[]): k8s.PodSpec => ({
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // The postgres image's user: dumps on the claim belong to it, readable by nobody else (umask 077).
      securityContext: restrictedPodSecurityContext({ user: POSTGRES_UID, group: POSTGRES_UID }),
      restartPolicy: 'Never',
      initContainers,
      containers,
      volumes: [
        { name: 'backups', persistentVolumeClaim: { claimName: this.claimName } },
        { name: 'scripts', configMap: { name: pg.scriptsConfigMapName, defaultMode: 0o555 } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        ...(this.s3 ? [{ name: 'handoff', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } }] : []),
      ],
    });

    const backup: k8s.Container = {
      name: 'backup',
      image: pg.image,
      imagePullPolicy: pg.pullPolicy,
      command: script('pg-backup.sh'),
      env: [
        ...common,
        { name: 'KEEP_DAILY', value: String(keep.daily) },
        { name: 'KEEP_WEEKLY', value: String(keep.weekly) },
        { name: 'KEEP_MONTHLY', value: String(keep.monthly) },
        ...(this.s3 ? [{ name: 'LATEST_FILE', value: `${HANDOFF_DIR}/latest` }] : []),
      ],
      resources,
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [...mounts(false), ...(this.s3 ? [{ name: 'handoff', mountPath: HANDOFF_DIR }] : [])],
    };
    // With S3 the dump runs as an init container, so the upload starts only after a complete, renamed dump.
    const containers = this.s3 ? [uploadContainer(props.images, this.s3, resources)] : [backup];

    new k8s.KubeCronJob(this, 'CronJob', {
      metadata: { name: this.cronJobName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: {
        schedule,
        timeZone,
        concurrencyPolicy: 'Forbid',
        // After an outage, a missed run starts within the hour or is skipped (the next one comes the same day).
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: timeout,
            template: { metadata: { labels }, spec: podSpec(containers, this.s3 ? [backup] : undefined) },
          },
        },
      },
    });

    if (props.restore ?? true) {
      this.restoreCronJobName = `${instance}-postgres-restore`;
      const restore: k8s.Container = {
        name: 'restore',
        image: pg.image,
        imagePullPolicy: pg.pullPolicy,
        command: script('pg-restore.sh'),
        env: [
          ...common,
          // Set with `kubectl set env --local … DUMP=<name>`; empty restores the newest dump.
          { name: 'DUMP', value: '' },
          secretEnv('APP_USER', pg.userSecret),
          { name: 'KEEP_PREVIOUS', value: 'true' },
          { name: 'RESTORE_JOBS', value: '2' },
        ],
        resources,
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: mounts(true),
      };
      // A suspended CronJob, not a Job: each restore is a new Job named at the moment (`kubectl create job --from`),
      // with the dump chosen then; a Job in dist/ would run once, and its immutable template would pin one dump.
      new k8s.KubeCronJob(this, 'RestoreCronJob', {
        metadata: { name: this.restoreCronJobName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '3', 'prefect-stack.io/usage': 'kubectl create job --from=cronjob/' + this.restoreCronJobName + ' <name> (README "Backups and restore")' } },
        spec: {
          schedule: NEVER,
          timeZone,
          suspend: true,
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: {
            metadata: { labels },
            spec: {
              // A restore is retried by a person who has read the log, never automatically.
              backoffLimit: 0,
              activeDeadlineSeconds: restoreTimeout,
              template: { metadata: { labels }, spec: podSpec([restore]) },
            },
          },
        },
      });
    }
  }
}

function checkS3(field: string, s3: BackupS3Options): BackupS3Options {
  if (typeof s3.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket)) {
    fail(`${field}.bucket`, `"${s3.bucket}" is not an S3 bucket name`, "use 3-63 lower-case letters, digits, '.' and '-'");
  }
  if (s3.prefix !== undefined && !/^([A-Za-z0-9!_.*'()-]+\/)*$/.test(s3.prefix)) {
    fail(`${field}.prefix`, `"${s3.prefix}" is not a key prefix`, 'use path segments ending in "/", e.g. prefect/backups/ (no leading "/")');
  }
  if (s3.endpoint !== undefined) checkUrl(`${field}.endpoint`, s3.endpoint, ['https', 'http']);
  if (s3.region !== undefined && !/^[a-z0-9-]{2,32}$/.test(s3.region)) fail(`${field}.region`, `"${s3.region}" is not a region name`, 'use a name such as us-east-1');
  return {
    ...s3,
    accessKeyIdSecret: checkSecretKeyRef(`${field}.accessKeyIdSecret`, s3.accessKeyIdSecret),
    secretAccessKeySecret: checkSecretKeyRef(`${field}.secretAccessKeySecret`, s3.secretAccessKeySecret),
  };
}

/** rclone copies the dump the backup container just wrote (named in the handoff file); it never deletes remotely. */
function uploadContainer(images: ImageCatalog, s3: BackupS3Options, resources: k8s.ResourceRequirements): k8s.Container {
  return {
    name: 'upload',
    image: images.ref('s3Client'),
    imagePullPolicy: images.pullPolicy,
    command: ['sh', '-c', `set -eu; name="$(cat ${HANDOFF_DIR}/latest)"; rclone copyto --s3-no-check-bucket "${BACKUP_DIR}/$name" "backup:$S3_BUCKET/$S3_PREFIX$name"; echo "upload: copied $name to $S3_BUCKET/$S3_PREFIX"`],
    env: [
      { name: 'HOME', value: '/tmp' },
      { name: 'RCLONE_CONFIG', value: '/tmp/rclone.conf' },
      // A remote named "backup", configured from the environment only: no config file holds the keys.
      { name: 'RCLONE_CONFIG_BACKUP_TYPE', value: 's3' },
      { name: 'RCLONE_CONFIG_BACKUP_PROVIDER', value: s3.endpoint ? 'Other' : 'AWS' },
      { name: 'RCLONE_CONFIG_BACKUP_ENV_AUTH', value: 'false' },
      { name: 'RCLONE_CONFIG_BACKUP_REGION', value: s3.region ?? 'us-east-1' },
      ...(s3.endpoint ? [{ name: 'RCLONE_CONFIG_BACKUP_ENDPOINT', value: s3.endpoint }] : []),
      secretEnv('RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID', s3.accessKeyIdSecret),
      secretEnv('RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY', s3.secretAccessKeySecret),
      { name: 'S3_BUCKET', value: s3.bucket },
      { name: 'S3_PREFIX', value: s3.prefix ?? '' },
    ],
    resources,
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: 'backups', mountPath: BACKUP_DIR, readOnly: true },
      { name: 'handoff', mountPath: HANDOFF_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}
