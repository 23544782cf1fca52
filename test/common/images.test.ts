import { ImageCatalog, parseImageReference } from '../../charts';
import { MINIMAL, expectConfigError, one, synth } from '../util';

describe('image references are parsed by the registry grammar', () => {
  test.each([
    ['redis:8.2.2', { repository: 'redis', tag: '8.2.2' }],
    ['docker.io/library/redis:8.2.2', { registry: 'docker.io', repository: 'library/redis', tag: '8.2.2' }],
    ['registry.local:5000/mirror/library/postgres:17.6', { registry: 'registry.local:5000', repository: 'mirror/library/postgres', tag: '17.6' }],
    ['localhost:5000/prefect', { registry: 'localhost:5000', repository: 'prefect' }],
    [`quay.io/x/y@sha256:${'a'.repeat(64)}`, { registry: 'quay.io', repository: 'x/y', digest: `sha256:${'a'.repeat(64)}` }],
    [`x/y:1.0@sha256:${'b'.repeat(64)}`, { repository: 'x/y', tag: '1.0', digest: `sha256:${'b'.repeat(64)}` }],
  ])('%s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual({ registry: undefined, tag: undefined, digest: undefined, ...expected });
  });

  test.each(['', 'UPPER/case:1', 'x:', 'x:tag with space', 'x@sha256:short', 'http://registry/x:1', 'a//b:1'])('%j is not a reference', (ref) => {
    expect(parseImageReference(ref)).toBeUndefined();
  });

  test('a mirror with a port keeps the version labels right', () => {
    const objs = synth({ ...MINIMAL, database: undefined, redis: undefined, images: { registry: 'registry.local:5000/mirror' } });
    const pg = one(objs, 'StatefulSet', 'prefect-postgres');
    expect(pg.metadata.labels!['app.kubernetes.io/version']).toBe('17.6');
    expect(one(objs, 'StatefulSet', 'prefect-redis').metadata.labels!['app.kubernetes.io/version']).toBe('8.2.2');
    expect(pg.spec.template.spec.containers[0].image).toBe('registry.local:5000/mirror/library/postgres:17.6');
    expect(
      new ImageCatalog({ registry: 'registry.local:5000/mirror', overrides: { postgresExporter: 'registry.local:5000/x/exporter:v0.18.1' } }).version(
        'postgresExporter',
      ),
    ).toBe('0.18.1');
  });

  test('bad references and registries are refused, naming the key', () => {
    expectConfigError(() => synth({ ...MINIMAL, images: { overrides: { redis: 'registry.local:5000/redis' } } }), 'images.overrides.redis', /pinned/);
    expectConfigError(() => synth({ ...MINIMAL, images: { overrides: { redis: 'registry.local:5000/redis:latest' } } }), 'images.overrides.redis', /pinned/);
    expectConfigError(() => synth({ ...MINIMAL, images: { overrides: { redis: 'Redis:8' } } }), 'images.overrides.redis', /not an image reference/);
    expectConfigError(() => synth({ ...MINIMAL, images: { registry: 'https://mirror.example.com' } }), 'images.registry', /registry host/);
    expectConfigError(() => synth({ ...MINIMAL, worker: { jobs: { image: 'flows' } } }), 'worker.jobs.image', /pinned/);
  });

  test.each([[{ images: { pullSecrets: ['Registry Creds'] } }, 'images.pullSecrets[0]', /object name/]])('%j → %s', (props, field, pattern) => {
    expectConfigError(() => synth({ ...MINIMAL, ...props }), field, pattern);
  });
});
