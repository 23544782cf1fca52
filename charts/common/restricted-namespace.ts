import { JsonPatch } from 'cdk8s';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';

/** Props of {@link RestrictedNamespace}. */
export interface RestrictedNamespaceProps {
  readonly name: string;
  readonly labels: Record<string, string>;
}

/**
 * The stack's Namespace, labelled so that Pod Security admission enforces (and warns and audits) `restricted`:
 * the labels are what makes the cluster refuse a weakened pod, whatever the manifests say.
 */
export class RestrictedNamespace extends Construct {
  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps) {
    super(scope, id);
    const ns = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...props.labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
        // First in an Argo CD sync: everything else lives in it. Never deleted with the Application: deleting the
        // Namespace would delete every claim in it, the database and its backups included.
        annotations: { 'argocd.argoproj.io/sync-wave': '-1', 'argocd.argoproj.io/sync-options': 'Delete=false' },
      },
    });
    ns.addJsonPatch(JsonPatch.remove('/metadata/namespace')); // cluster-scoped: the chart's namespace does not apply
  }
}
