import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { StackContext } from '../common/stack-context';
import { ResolvedWorker } from './resolve';

/**
 * The worker's rights, namespaced and minimal: in each job namespace a Role with only what the worker calls and
 * its binding, and the flow-run ServiceAccount — an identity without any Role and without a token, which may carry
 * a cloud identity (`worker.jobs.serviceAccount.annotations`). Nothing cluster-wide.
 */
export class WorkerRbac extends Construct {
  constructor(scope: Construct, id: string, w: ResolvedWorker, version: string) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const labels = componentLabels({ instance: ctx.instance, name: 'prefect-worker', component: 'worker', version });
    const flowRunLabels = componentLabels({ instance: ctx.instance, name: 'prefect', component: 'flow-run', version });
    const annotations = w.jobs.pod.serviceAccountAnnotations;
    for (const ns of w.jobNamespaces) {
      new k8s.KubeRole(this, `Role-${ns}`, {
        metadata: { name: w.deploymentName, namespace: ns, labels },
        rules: [
          // Submit a flow run's Job, watch it, delete it when the run is cancelled.
          { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
          // Watch the pod (observer), read its logs when it crashed, read events to report why it failed to start.
          { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        ],
      });
      new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, {
        metadata: { name: w.deploymentName, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: w.deploymentName },
        subjects: [{ kind: 'ServiceAccount', name: w.serviceAccountName, namespace: ctx.namespace }],
      });
      new k8s.KubeServiceAccount(this, `FlowRunServiceAccount-${ns}`, {
        metadata: { name: w.jobs.serviceAccountName, namespace: ns, labels: flowRunLabels, ...(Object.keys(annotations).length ? { annotations } : {}) },
        automountServiceAccountToken: false,
      });
    }
  }
}
