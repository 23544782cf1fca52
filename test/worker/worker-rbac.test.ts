import { MINIMAL, envMap, one, synth, workPoolTemplate as template, workerDeployment as worker } from '../util';
describe('WorkerRbac', () => {
  test('jobs in other namespaces: a namespaced Role there, nothing cluster-wide, the observer limited to them', () => {
    const objs = synth({ ...MINIMAL, worker: { jobNamespaces: ['flows', 'batch'] } });
    expect(objs.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    const roles = objs.filter((o) => o.kind === 'Role' && o.metadata.name === 'prefect-worker');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['flows', 'batch']);
    expect(roles[0].rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]);
    const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'prefect-worker');
    expect(bindings.map((b) => [b.metadata.namespace, b.subjects])).toEqual([
      ['flows', [{ kind: 'ServiceAccount', name: 'prefect-worker', namespace: 'prefect' }]],
      ['batch', [{ kind: 'ServiceAccount', name: 'prefect-worker', namespace: 'prefect' }]],
    ]);
    expect(envMap(worker(objs).spec.template.spec.containers[0]).PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES).toBe('flows,batch');
    expect(template(objs).variables.properties.namespace.default).toBe('flows');
    expect(objs.filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'prefect-flow-run').map((o) => o.metadata.namespace)).toEqual([
      'flows',
      'batch',
    ]);
  });

  test("in the stack namespace only by default; the flow-run ServiceAccount carries the jobs' cloud identity", () => {
    const objs = synth({
      ...MINIMAL,
      worker: { jobs: { serviceAccount: { annotations: { 'iam.gke.io/gcp-service-account': 'flows@p.iam.gserviceaccount.com' } } } },
    });
    expect(objs.filter((o) => o.kind === 'Role' && o.metadata.name === 'prefect-worker').map((r) => r.metadata.namespace)).toEqual(['prefect']);
    const sa = one(objs, 'ServiceAccount', 'prefect-flow-run');
    expect(sa.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'flows@p.iam.gserviceaccount.com' });
    // Without annotations the ServiceAccount has none (not an empty map).
    expect(one(synth(MINIMAL), 'ServiceAccount', 'prefect-flow-run').metadata).not.toHaveProperty('annotations');
  });
});
