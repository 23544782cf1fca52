// (a) Everything the library emits applies to a real kube-apiserver: server-side apply with strict
// field validation, no error and no warning.
import { applyArgs, ensureNamespace, FIELD_MANAGER, id, kubectlClean, loadManifests, Manifest, manifestsDir, missingNamespaces, toYaml } from './helpers';

const dir = manifestsDir();
const manifests: Manifest[] = loadManifests(dir);
const files = [...new Set(manifests.map((m) => m.file))];

// Namespaces (and CRDs, should the library ship any) first, then everything else.
const rank = (m: Manifest) => (m.obj.kind === 'Namespace' ? 0 : m.obj.kind === 'CustomResourceDefinition' ? 1 : 2);

describe(`server-side apply of ${dir}`, () => {
  test('there is something to apply', () => {
    expect(manifests.length).toBeGreaterThan(0);
  });

  test('namespaces the manifests use but do not define are created', () => {
    for (const ns of missingNamespaces(manifests)) ensureNamespace(ns);
  });

  test.each([0, 1])('cluster-level objects (rank %i) apply cleanly', (r) => {
    const objs = manifests.filter((m) => rank(m) === r).map((m) => m.obj);
    if (objs.length === 0) return;
    const res = kubectlClean(applyArgs(), toYaml(objs));
    expect(res.stdout.trim().split('\n')).toHaveLength(objs.length);
  });

  test.each(files)('%s applies with --server-side --validate=strict, no error, no warning', (file) => {
    const objs = manifests.filter((m) => m.file === file && rank(m) === 2).map((m) => m.obj);
    if (objs.length === 0) return;
    const res = kubectlClean(applyArgs(), toYaml(objs));
    // one "<kind>/<name> serverside-applied" line per object
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(objs.length);
    for (const l of lines) expect(l).toMatch(/ serverside-applied$/);
  });

  test('every object is now stored by the apiserver, managed by our field manager', () => {
    const objs = manifests.map((m) => m.obj);
    const r = kubectlClean(['get', '-f', '-', '-o', 'json', '--show-managed-fields'], toYaml(objs));
    const live = JSON.parse(r.stdout);
    const items: any[] = live.kind === 'List' ? live.items : [live];
    const kn = (o: any) => `${o.kind}/${o.metadata.name}`;
    expect(items.map(kn)).toEqual(objs.map(kn));
    for (const o of items) {
      const managers = (o.metadata.managedFields ?? []).map((f: { manager: string }) => f.manager);
      expect({ id: id(o), managers }).toEqual({ id: id(o), managers: expect.arrayContaining([FIELD_MANAGER]) });
    }
  });

  test('re-applying the same manifests is a no-op (idempotent, still no warning)', () => {
    const objs = manifests
      .slice()
      .sort((a, b) => rank(a) - rank(b))
      .map((m) => m.obj);
    const res = kubectlClean(applyArgs(), toYaml(objs));
    expect(res.stdout.trim().split('\n')).toHaveLength(objs.length);
  });
});
