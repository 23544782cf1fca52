// (e) The pod-model matrix (test/matrix.ts: every knob on, OpenShift, stack-wide scheduling only, hard spread)
// applies to the real API server: server-side apply with strict field validation, no warning, and every pod
// template admitted as a Pod under the Namespace's own Pod Security "restricted" enforcement.
import { Testing } from 'cdk8s';
import { PrefectStack } from '../../charts';
import { MATRIX } from '../matrix';
import { K8sObject, applyArgs, ensurePriorityClasses, kubectlClean, podTemplates, toYaml } from './helpers';

beforeAll(() => {
  ensurePriorityClasses();
});

describe.each(MATRIX.map(([name, props], i) => [name, { ...props, namespace: `matrix-${i}` }] as const))('%s', (_name, props) => {
  const objs = Testing.synth(new PrefectStack(Testing.app(), 'matrix', props)) as K8sObject[];
  const rank = (o: K8sObject) => (o.kind === 'Namespace' ? 0 : 1);

  test('applies with --server-side --validate=strict, no error, no warning', () => {
    for (const r of [0, 1]) {
      const batch = objs.filter((o) => rank(o) === r);
      const res = kubectlClean(applyArgs(), toYaml(batch));
      expect(res.stdout.trim().split('\n')).toHaveLength(batch.length);
    }
  });

  test('every pod template is admitted as a Pod in the stack namespace (PSS restricted enforced)', () => {
    const ns = objs.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const templates = podTemplates(objs.map((obj) => ({ file: '', obj })));
    expect(templates.length).toBeGreaterThanOrEqual(4);
    const pods = templates.map((t) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${t.owner.kind}-${t.owner.metadata.name}`.toLowerCase().slice(0, 63).replace(/-+$/, ''),
        namespace: props.namespace,
        labels: t.template.metadata?.labels,
        annotations: t.template.metadata?.annotations,
      },
      spec: t.template.spec,
    }));
    const r = kubectlClean(['create', '--dry-run=server', '--validate=strict', '-o', 'name', '-f', '-'], toYaml(pods));
    expect(r.stdout.trim().split('\n').sort()).toEqual(pods.map((p) => `pod/${p.metadata.name}`).sort());
  });
});
