import { quantityValue } from '../charts';
import { Obj, configurations, containers, literalCredentials, podTemplates, synth } from './util';

// Pod Security Standards "restricted" (kubernetes.io/docs/concepts/security/pod-security-standards).
const ALLOWED_VOLUMES = ['configMap', 'downwardAPI', 'emptyDir', 'projected', 'secret', 'csi', 'persistentVolumeClaim', 'ephemeral', 'image'];
const LONG_RUNNING = ['Deployment', 'StatefulSet', 'DaemonSet'];

test('the secret-value check finds a Secret, a literal password and a password in a URL', () => {
  const pod = (env: object[]) => ({ kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'c', env }] } } } });
  const objs = [
    { kind: 'Secret', metadata: { name: 's' } },
    pod([
      { name: 'DB_PASSWORD', value: 'hunter2' },
      { name: 'DB_URL', value: 'postgresql://u:hunter2@db/x' },
      { name: 'OK_PASSWORD', value: '$(DB_PASSWORD)' },
      { name: 'OK_URL', value: 'redis://:$(DB_PASSWORD)@r:6379/0' },
      { name: 'TOKEN_SECRET_NAME', value: 'auth' },
      { name: 'TOKEN_SECRET_KEY', value: 'auth' },
    ]),
  ];
  expect(literalCredentials(objs as Obj[])).toEqual(['Secret/s', 'Job/j/c/DB_PASSWORD', 'Job/j/c/DB_URL']);
});

describe.each(configurations())('policy: %s', (_name, props) => {
  const objs: Obj[] = synth(props);
  const pods = podTemplates(objs);

  test('has pod templates to check', () => expect(pods.length).toBeGreaterThan(2));

  test('every pod passes Pod Security Standards "restricted"', () => {
    for (const { owner, template } of pods) {
      const spec = template.spec;
      const where = `${owner.kind}/${owner.metadata.name}`;
      expect([where, spec.securityContext?.runAsNonRoot]).toEqual([where, true]);
      expect([where, ['RuntimeDefault', 'Localhost'].includes(spec.securityContext?.seccompProfile?.type)]).toEqual([where, true]);
      expect([where, spec.securityContext?.runAsUser]).not.toEqual([where, 0]);
      for (const flag of ['hostNetwork', 'hostPID', 'hostIPC']) expect([where, spec[flag] ?? false]).toEqual([where, false]);
      for (const v of spec.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== 'name');
        expect([where, v.name, ALLOWED_VOLUMES.includes(type!)]).toEqual([where, v.name, true]);
      }
      for (const c of containers(template)) {
        const sc = c.securityContext ?? {};
        const at = `${where}/${c.name}`;
        expect([at, sc.allowPrivilegeEscalation]).toEqual([at, false]);
        expect([at, sc.privileged ?? false]).toEqual([at, false]);
        expect([at, sc.capabilities?.drop]).toEqual([at, ['ALL']]);
        expect([at, (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE')]).toEqual([at, []]);
        expect([at, sc.runAsUser]).not.toEqual([at, 0]);
        expect([at, sc.readOnlyRootFilesystem]).toEqual([at, true]);
        for (const p of c.ports ?? []) expect([at, p.hostPort]).toEqual([at, undefined]);
      }
    }
  });

  test('every container has CPU, memory and ephemeral-storage requests and limits', () => {
    for (const { owner, template } of pods) {
      for (const c of containers(template)) {
        const at = `${owner.metadata.name}/${c.name}`;
        for (const kind of ['requests', 'limits']) {
          expect([at, kind, Object.keys(c.resources?.[kind] ?? {}).sort()]).toEqual([at, kind, ['cpu', 'ephemeral-storage', 'memory']]);
        }
      }
    }
  });

  test("every pod's ephemeral-storage limit covers its disk emptyDirs and its containers' logs", () => {
    for (const { owner, template } of pods) {
      const spec = template.spec;
      const disk = (spec.volumes ?? [])
        .filter((v: any) => v.emptyDir && v.emptyDir.medium !== 'Memory')
        .reduce((sum: number, v: any) => {
          expect([owner.metadata.name, v.name, v.emptyDir.sizeLimit]).not.toEqual([owner.metadata.name, v.name, undefined]);
          return sum + quantityValue(v.emptyDir.sizeLimit);
        }, 0);
      const limits = spec.containers.reduce((sum: number, c: any) => sum + quantityValue(c.resources.limits['ephemeral-storage']), 0);
      expect([owner.metadata.name, limits >= disk + spec.containers.length * 64 * 2 ** 20]).toEqual([owner.metadata.name, true]);
    }
  });

  test('every image is pinned (no "latest", no missing tag)', () => {
    for (const { template } of pods) {
      for (const c of containers(template)) {
        expect(c.image).toMatch(/^[^\s]+(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/);
        expect(c.image).not.toMatch(/:latest$/);
        expect(c.imagePullPolicy).toBe('IfNotPresent');
      }
    }
  });

  test('every long-running container has liveness (and readiness where it serves a port)', () => {
    for (const { owner, template } of pods.filter((p) => LONG_RUNNING.includes(p.owner.kind))) {
      for (const c of template.spec.containers) {
        const at = `${owner.metadata.name}/${c.name}`;
        expect([at, Boolean(c.livenessProbe)]).toEqual([at, true]);
        if (c.ports?.length) expect([at, Boolean(c.readinessProbe)]).toEqual([at, true]);
      }
    }
  });

  test('no pod gets an API token unless its ServiceAccount is bound to a Role', () => {
    const bound = new Set(
      objs.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding').flatMap((o) => (o.subjects ?? []).map((s: any) => s.name)),
    );
    for (const { owner, template } of pods) {
      if (template.spec.automountServiceAccountToken !== false) {
        expect([owner.metadata.name, bound.has(template.spec.serviceAccountName)]).toEqual([owner.metadata.name, true]);
      }
    }
  });

  test('no secret value in the manifests: no Secret object, every credential env var is a Secret reference', () => {
    expect(literalCredentials(objs)).toEqual([]);
  });

  test('every namespaced object lands in the stack namespace, cluster-scoped ones have none', () => {
    const namespace = props.namespace ?? 'prefect';
    for (const o of objs) {
      if (['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind)) expect(o.metadata.namespace).toBeUndefined();
      else expect([o.kind, o.metadata.name, o.metadata.namespace]).toEqual([o.kind, o.metadata.name, namespace]);
    }
  });

  test('object names are unique per kind', () => {
    const keys = objs.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});
