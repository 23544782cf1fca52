// (f) Deleting the Argo CD Application keeps the data: Argo CD deletes every resource it manages except those
// annotated `argocd.argoproj.io/sync-options: Delete=false`. Delete exactly that set from a real API server and
// check the Namespace (whose deletion would delete every claim in it) and the backups claim are still there.
import { Testing } from 'cdk8s';
import { PrefectStack } from '../../charts';
import { K8sObject, applyArgs, kubectl, kubectlClean, toYaml } from './helpers';

const NS = 'argocd-delete';
const objs = Testing.synth(
  new PrefectStack(Testing.app(), 'argo', {
    namespace: NS,
    database: { inCluster: {} },
    // No monitoring: the point is what survives, not the CRDs.
  }),
) as K8sObject[];
const kept = (o: K8sObject) =>
  ((o.metadata as { annotations?: Record<string, string> }).annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').includes('Delete=false');
const ref = (o: K8sObject) => `${o.kind.toLowerCase()}/${o.metadata.name}`;

test('the stack applies', () => {
  const ns = objs.filter((o) => o.kind === 'Namespace');
  kubectlClean(applyArgs(), toYaml(ns));
  kubectlClean(applyArgs(), toYaml(objs.filter((o) => o.kind !== 'Namespace')));
});

test('what Argo CD deletes with the Application leaves the Namespace and the backups claim', () => {
  expect(objs.filter(kept).map(ref).sort()).toEqual(['namespace/argocd-delete', 'persistentvolumeclaim/prefect-postgres-backups']);
  for (const o of objs.filter((x) => !kept(x))) {
    const r = kubectl(['delete', '--wait=false', '-n', NS, ref(o)]);
    expect([ref(o), r.status, r.stderr]).toEqual([ref(o), 0, '']);
  }
  const ns = JSON.parse(kubectlClean(['get', 'namespace', NS, '-o', 'json']).stdout);
  expect(ns.status.phase).toBe('Active');
  expect(ns.metadata.deletionTimestamp).toBeUndefined();
  const claim = JSON.parse(kubectlClean(['get', '-n', NS, 'pvc', 'prefect-postgres-backups', '-o', 'json']).stdout);
  expect(claim.metadata.deletionTimestamp).toBeUndefined();
  // Nothing else of the stack is left.
  const left = JSON.parse(kubectlClean(['get', '-n', NS, 'deployments,statefulsets,services,configmaps,cronjobs,jobs', '-o', 'json']).stdout).items;
  expect(left.filter((o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/part-of'] === 'prefect-stack').map(ref)).toEqual([]);
});
