import { createHash } from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { ComponentServiceAccount } from '../common/pod-template';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { PrefectRuntime } from './prefect-runtime';
import { ResolvedPrefectTier } from './resolve';

/**
 * `prefect server database upgrade -y`, once per release. A Job's pod template is immutable, so the name carries
 * the release and a hash of the template: `kubectl apply` after a bump creates a new Job instead of failing,
 * and re-applying the same release leaves the finished Job alone. API and services pods wait in an init
 * container until the database has this release's head revision, so no pod serves an unmigrated schema whether
 * the stack is applied by kubectl or Argo CD (where the sync wave also orders it after the data tier).
 */
export class PrefectMigration extends Construct {
  public readonly jobName: string;

  /** `initContainers` run before the migration, e.g. the data tier's `CREATE EXTENSION IF NOT EXISTS pg_trgm`. */
  constructor(scope: Construct, id: string, m: ResolvedPrefectTier['migrations'], rt: PrefectRuntime, initContainers: k8s.Container[]) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const labels = componentLabels({ instance: ctx.instance, name: 'prefect', component: 'migrate', version: rt.settings.version, tier: 'backend' });
    new ComponentServiceAccount(this, 'ServiceAccount', { name: m.serviceAccountName, labels, pod: m.pod });
    const template = rt.podTemplate(this, m, {
      labels,
      initContainers,
      containers: [rt.container({ name: 'migrate', args: ['prefect', 'server', 'database', 'upgrade', '-y'], redis: false, resources: m.resources })],
      restartPolicy: 'Never',
    });
    const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 8);
    this.jobName = ctx.names.of('Job', `migrate-${rt.settings.version.replace(/\./g, '-')}-${hash}`);

    new k8s.KubeJob(this, 'Job', {
      metadata: { name: this.jobName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: m.timeoutSeconds,
        // No ttlSecondsAfterFinished: a deleted Job would be re-created (and re-run) by the next apply.
        template,
      },
    });
    ctx.allow(podsPeer(m.podSelector), rt.database.endpoint.peer, [rt.database.endpoint.port], "migrations: Prefect's database");
  }
}
