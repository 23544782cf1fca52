import { createHash } from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { checkInt } from '../common/validate';
import { PrefectRuntime } from './prefect-runtime';

/** Options of the migrate Job (the `migrations:` section of the configuration file). */
export interface PrefectMigrationOptions {
  /**
   * Container resources of the migration.
   * @default - requests cpu 100m / memory 256Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * How long the migration may run before the Job fails; large databases migrate slowly.
   * @default 1800
   */
  readonly timeoutSeconds?: number;
}

/** Props of {@link PrefectMigration}. */
export interface PrefectMigrationProps extends PrefectMigrationOptions {
  readonly instance: string;
  readonly runtime: PrefectRuntime;
  /**
   * Containers that run before the migration, e.g. the data tier's `CREATE EXTENSION IF NOT EXISTS pg_trgm`.
   * @default - none
   */
  readonly initContainers?: k8s.Container[];
}

const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/**
 * `prefect server database upgrade -y`, once per release. A Job's pod template is immutable, so the name carries
 * the release and a hash of the template: `kubectl apply` after a bump creates a new Job instead of failing,
 * and re-applying the same release leaves the finished Job alone. API and services pods wait in an init
 * container until the database has this release's head revision, so no pod serves an unmigrated schema whether
 * the stack is applied by kubectl or Argo CD (where the sync wave also orders it after the data tier).
 */
export class PrefectMigration extends Construct {
  public readonly jobName: string;
  /** Labels that select the migrate Job's pods. */
  public readonly podSelector: Record<string, string>;

  constructor(scope: Construct, id: string, props: PrefectMigrationProps) {
    super(scope, id);
    const rt = props.runtime;
    const timeout = checkInt('migrations.timeoutSeconds', props.timeoutSeconds ?? 1800, 60, 86400);
    const resources = resolveResources('migrations.resources', props.resources, DEFAULT_RESOURCES);
    const c = { instance: props.instance, name: 'prefect', component: 'migrate' };
    this.podSelector = selectorLabels(c);
    const labels = componentLabels({ ...c, version: rt.settings.version, tier: 'backend' });
    const template: k8s.PodTemplateSpec = {
      metadata: { labels },
      spec: rt.podSpec({
        initContainers: props.initContainers,
        containers: [rt.container({ name: 'migrate', args: ['prefect', 'server', 'database', 'upgrade', '-y'], redis: false, resources })],
        restartPolicy: 'Never',
      }),
    };
    const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 8);
    this.jobName = `${props.instance}-migrate-${rt.settings.version.replace(/\./g, '-')}-${hash}`;

    new k8s.KubeJob(this, 'Job', {
      metadata: { name: this.jobName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: timeout,
        // No ttlSecondsAfterFinished: a deleted Job would be re-created (and re-run) by the next apply.
        template,
      },
    });
  }
}
