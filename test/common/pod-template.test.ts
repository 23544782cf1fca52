import { KNOBS, MATRIX, STACK_SCHEDULING } from '../matrix';
import { Obj, containers, podTemplates, synth } from '../util';

const COMPONENT = 'app.kubernetes.io/component';

/** Every pod template of a stack, the flow-run Jobs' (from the work pool's base job template) included. */
function allPods(objs: Obj[]): Array<{ where: string; component: string; template: any }> {
  const pods = podTemplates(objs).map(({ owner, template }) => ({
    where: `${owner.kind}/${owner.metadata.name}`,
    component: template.metadata.labels[COMPONENT],
    template,
  }));
  const worker = objs.find((o) => o.kind === 'ConfigMap' && o.data?.['base-job-template.json']);
  if (worker) {
    const t = JSON.parse(worker.data['base-job-template.json']).job_configuration.job_manifest.spec.template;
    pods.push({ where: 'flow-run Job template', component: t.metadata.labels[COMPONENT], template: t });
  }
  return pods;
}

describe('one pod model: every pod of every component carries the stack-wide and per-component knobs', () => {
  const objs = synth(KNOBS);
  const pods = allPods(objs);
  const components = [
    'api',
    'background-services',
    'migrate',
    'worker',
    'flow-run',
    'postgres',
    'postgres-backup',
    'redis',
    'pgadmin',
    'redis-ui',
    'prefect-exporter',
    'prometheus',
    'grafana',
  ];

  test('the matrix reaches every component', () => {
    expect([...new Set(pods.map((p) => p.component))].sort()).toEqual([...components].sort());
  });

  test.each(components)('%s: scheduling, pull Secrets and pod metadata', (component) => {
    for (const p of pods.filter((x) => x.component === component)) {
      const spec = p.template.spec;
      const at = p.where;
      expect([at, spec.imagePullSecrets]).toEqual([at, [{ name: 'registry-credentials' }]]);
      // The component's own key replaces the stack-wide one; the others are the stack-wide ones.
      expect([at, spec.nodeSelector]).toEqual([at, { 'node-pool': `pool-${component}` }]);
      expect([at, spec.tolerations]).toEqual([at, STACK_SCHEDULING.tolerations]);
      expect([at, spec.affinity]).toEqual([at, STACK_SCHEDULING.affinity]);
      expect([at, spec.priorityClassName]).toEqual([at, 'prefect-high']);
      // A stack-wide spread constraint spreads each component's own pods.
      const rack = spec.topologySpreadConstraints.find((t: any) => t.topologyKey === 'example.com/rack');
      expect([at, rack?.labelSelector?.matchLabels?.[COMPONENT]]).toEqual([at, component]);
      expect([at, p.template.metadata.labels]).toEqual([at, expect.objectContaining({ 'example.com/team': 'data-platform', 'example.com/cost': component })]);
      expect([at, p.template.metadata.annotations]).toEqual([
        at,
        expect.objectContaining({ 'example.com/owner': 'data-platform@example.com', 'example.com/component': component }),
      ]);
    }
  });

  test('every object carries the common labels and annotations; no selector does', () => {
    for (const o of objs) {
      expect([o.kind, o.metadata.name, o.metadata.labels?.['example.com/team']]).toEqual([o.kind, o.metadata.name, 'data-platform']);
      expect([o.kind, o.metadata.name, o.metadata.annotations?.['example.com/owner']]).toEqual([o.kind, o.metadata.name, 'data-platform@example.com']);
      expect(JSON.stringify(o.spec?.selector ?? {})).not.toContain('example.com/team');
    }
  });

  test('each component runs as its own ServiceAccount, which carries its cloud identity', () => {
    for (const p of pods) {
      const sa = p.template.spec.serviceAccountName;
      const name = p.component === 'flow-run' ? 'prefect-flow-run' : sa;
      const account = objs.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === name);
      expect([p.where, account?.metadata.annotations?.['eks.amazonaws.com/role-arn']]).toEqual([p.where, `arn:aws:iam::123456789012:role/${p.component}`]);
      expect([p.where, account?.automountServiceAccountToken]).toEqual([p.where, false]);
    }
    const names = pods.filter((p) => p.component !== 'flow-run').map((p) => `${p.component}:${p.template.spec.serviceAccountName}`);
    // backup and restore share one identity; every other component has its own.
    expect(new Set(names).size).toBe(new Set(pods.filter((p) => p.component !== 'flow-run').map((p) => p.component)).size);
  });

  test('only the worker and the bundled Prometheus mount an API token (both under a namespaced Role)', () => {
    const mounting = pods
      .filter((p) => p.template.spec.automountServiceAccountToken !== false)
      .map((p) => p.component)
      .sort();
    expect(mounting).toEqual(['prometheus', 'worker']);
  });

  test('every container pulls with the stack policy from the mirror, and states disk requests and limits', () => {
    for (const p of pods) {
      for (const c of containers(p.template)) {
        if (p.component !== 'flow-run') expect([p.where, c.name, c.image.startsWith('registry.example.com:5000/mirror/')]).toEqual([p.where, c.name, true]);
        expect([p.where, c.name, Boolean(c.resources.requests['ephemeral-storage']), Boolean(c.resources.limits['ephemeral-storage'])]).toEqual([
          p.where,
          c.name,
          true,
          true,
        ]);
      }
    }
  });
});

describe('stack-wide defaults alone reach every pod', () => {
  test.each(MATRIX.filter(([n]) => n === 'stack-wide scheduling only'))('%s', (_n, props) => {
    for (const p of allPods(synth(props))) {
      expect([p.where, p.template.spec.nodeSelector, p.template.spec.priorityClassName]).toEqual([p.where, { 'node-pool': 'prefect' }, 'prefect-high']);
      expect([p.where, p.template.spec.imagePullSecrets]).toEqual([p.where, [{ name: 'a' }, { name: 'b' }]]);
    }
  });
});

describe('platform: openshift leaves UIDs, GIDs and fsGroup to the platform', () => {
  test('no pod or container names a user, group or fsGroup; every pod stays restricted', () => {
    const openshift = MATRIX.find(([n]) => n.startsWith('openshift'))![1];
    const pods = allPods(synth(openshift));
    expect(pods.length).toBeGreaterThan(10);
    for (const p of pods) {
      const sc = p.template.spec.securityContext;
      expect([p.where, sc.runAsUser, sc.runAsGroup, sc.fsGroup, sc.runAsNonRoot, sc.seccompProfile]).toEqual([
        p.where,
        undefined,
        undefined,
        undefined,
        true,
        { type: 'RuntimeDefault' },
      ]);
      for (const c of containers(p.template)) expect([p.where, c.name, c.securityContext.runAsUser]).toEqual([p.where, c.name, undefined]);
    }
    // On plain Kubernetes the same configuration names each image's user.
    expect(allPods(synth(KNOBS)).every((p) => p.template.spec.securityContext.runAsUser !== undefined)).toBe(true);
  });
});
