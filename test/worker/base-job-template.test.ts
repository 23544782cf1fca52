import { checkRestrictedPodSpec } from '../../charts';
import { MINIMAL, Obj, synth, workPoolTemplate as template } from '../util';
const jobPodSpec = (objs: Obj[]) => template(objs).job_configuration.job_manifest.spec.template.spec;

describe('the base job template of flow-run Jobs', () => {
  test('the job template: restricted, no token, own ServiceAccount, resources, image and namespace from Props', () => {
    const objs = synth({ ...MINIMAL, worker: { jobs: { image: 'registry.example.com/flows:1.2.3', resources: { limits: { memory: '2Gi' } } } } });
    const t = template(objs);
    const pod = jobPodSpec(objs);
    expect(() => checkRestrictedPodSpec('job', pod)).not.toThrow();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.serviceAccountName).toBe('{{ service_account_name }}');
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    const v = t.variables.properties;
    expect(v.service_account_name.default).toBe('prefect-flow-run');
    expect(v.namespace.default).toBe('prefect');
    expect(v.image.default).toBe('registry.example.com/flows:1.2.3');
    expect([v.cpu_request.default, v.memory_request.default, v.cpu_limit.default, v.memory_limit.default]).toEqual(['100m', '256Mi', '1', '2Gi']);
    // Disk: the logs and the two 1Gi volumes (HOME and /tmp) fit the limit.
    expect([v.ephemeral_storage_request.default, v.ephemeral_storage_limit.default]).toEqual(['256Mi', '2112Mi']);
    expect(pod.containers[0].resources.limits).toEqual({
      'cpu': '{{ cpu_limit }}',
      'memory': '{{ memory_limit }}',
      'ephemeral-storage': '{{ ephemeral_storage_limit }}',
    });
    // Every placeholder of the job configuration is a declared variable (Prefect's server refuses others).
    const placeholders = [...JSON.stringify(t.job_configuration).matchAll(/\{\{ *([a-z_]+) *\}\}/g)].map((m) => m[1]);
    for (const p of new Set(placeholders)) expect([p, p in v]).toEqual([p, true]);
    // Flow-run pods carry the labels the NetworkPolicies select.
    expect(t.job_configuration.job_manifest.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'flow-run',
      'app.kubernetes.io/instance': 'prefect',
    });
    const sa = objs.filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'prefect-flow-run');
    expect(sa.map((o) => [o.metadata.namespace, o.automountServiceAccountToken])).toEqual([['prefect', false]]);
    // No Role is bound to the flow-run ServiceAccount.
    const bound = objs.filter((o) => o.kind === 'RoleBinding').flatMap((o) => o.subjects.map((s: any) => s.name));
    expect(bound).not.toContain('prefect-flow-run');
  });

  test('flow-run pods are selected without the labels prefect-kubernetes overwrites on them', () => {
    const objs = synth(MINIMAL);
    // The labels a flow-run pod really carries: prefect-kubernetes 0.8 (KubernetesWorkerJobConfiguration
    // _base_flow_run_labels / _base_deployment_labels) replaces name, part-of, managed-by and version.
    const pod = {
      ...template(objs).job_configuration.job_manifest.spec.template.metadata.labels,
      'app.kubernetes.io/name': 'my-deployment',
      'app.kubernetes.io/part-of': 'prefect',
      'app.kubernetes.io/managed-by': 'prefect',
      'app.kubernetes.io/version': '3.9.1',
    };
    const policies = objs.filter((o) => o.kind === 'NetworkPolicy');
    const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => pod[k] === v);
    expect(selects(policies.find((p) => p.metadata.name === 'prefect-allow-flow-run')!.spec.podSelector.matchLabels)).toBe(true);
    const apiFrom = policies.find((p) => p.metadata.name === 'prefect-allow-api')!.spec.ingress.flatMap((r: any) => r.from ?? []);
    expect(
      apiFrom.some(
        (f: any) =>
          !f.namespaceSelector &&
          f.podSelector &&
          f.podSelector.matchLabels['app.kubernetes.io/component'] === 'flow-run' &&
          selects(f.podSelector.matchLabels),
      ),
    ).toBe(true);
  });
});
