import * as fs from 'fs';
import * as path from 'path';
import { PrefectStackProps, loadConfig, parseConfig } from '../../charts';
import { expectConfigError, synth } from '../util';

/** The minimal valid configuration file, as YAML lines, for the bad-input cases to modify. */
const BASE = `
database:
  external:
    host: db.example.com
    userSecret: { name: db, key: user }
    passwordSecret: { name: db, key: password }
`;
const REDIS = 'redis:\n  external:\n    host: redis.example.com\n';

/** Parses BASE with `extra` YAML appended (and Redis unless `extra` has its own) and synthesizes it. */
const build = (extra: string) => synth(parseConfig(BASE + (extra.includes('redis:') ? '' : REDIS) + extra, 'prefect-stack.yaml'));

describe('configuration file', () => {
  test('the shipped prefect-stack.yaml is valid and synthesizes', () => {
    const props = loadConfig(path.join(__dirname, '../../prefect-stack.yaml'));
    expect(synth(props).length).toBeGreaterThan(5);
  });

  test('every documented example configuration is valid', () => {
    const dir = path.join(__dirname, '../../examples');
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.startsWith('argocd')) : [];
    for (const f of files) expect(() => synth(loadConfig(path.join(dir, f)))).not.toThrow();
  });

  test('the file maps 1:1 onto PrefectStackProps', () => {
    const props: PrefectStackProps = parseConfig(BASE + REDIS + 'api:\n  replicas: 4\n');
    expect(props.api?.replicas).toBe(4);
  });

  // Each case: YAML to append, the key the error must name, and what the message must say.
  test.each<[string, string, string, RegExp]>([
    ['unknown top-level key', 'apii:\n  replicas: 2\n', 'apii', /unknown key; did you mean "api"\?/],
    ['unknown nested key', 'api:\n  replica: 2\n', 'api.replica', /did you mean "replicas"\?/],
    ['wrong type', 'api:\n  replicas: "three"\n', 'api.replicas', /must be of type number/],
    ['replicas below 1', 'api:\n  replicas: 0\n', 'api.replicas', /whole number between 1 and 100/],
    ['fractional replicas', 'api:\n  replicas: 1.5\n', 'api.replicas', /whole number/],
    ['decimal-unit memory', 'api:\n  resources:\n    limits:\n      memory: 10GB\n', 'api.resources.limits.memory', /did you mean "10Gi"\?/],
    ['nonsense CPU', 'api:\n  resources:\n    requests:\n      cpu: lots\n', 'api.resources.requests.cpu', /not a Kubernetes quantity/],
    ['request above limit', 'api:\n  resources:\n    requests:\n      memory: 4Gi\n', 'api.resources.requests.memory', /above the limit 640Mi/],
    ['version latest', 'prefect:\n  version: latest\n', 'prefect.version', /not an exact release/],
    ['floating version', 'prefect:\n  version: "3"\n', 'prefect.version', /pin an exact version/],
    ['URL without scheme', 'prefect:\n  externalUrl: prefect.example.com\n', 'prefect.externalUrl', /not an absolute https or http URL/],
    ['URL with query', 'prefect:\n  externalUrl: "https://p.example.com/?x=1"\n', 'prefect.externalUrl', /query/],
    ['bad host name', 'redis:\n  external:\n    host: "redis_host.example.com"\n', 'redis.external.host', /not a DNS host name/],
    ['port out of range', 'redis:\n  external:\n    host: r.example.com\n    port: 70000\n', 'redis.external.port', /between 1 and 65535/],
    ['namespace not a label', 'namespace: Prefect\n', 'namespace', /not a DNS label/],
    ['log level not known', 'prefect:\n  logLevel: LOUD\n', 'prefect.logLevel', /must be one of "DEBUG"/],
    ['pool size zero', 'prefect:\n  databasePool:\n    size: 0\n', 'prefect.databasePool.size', /between 1 and 100/],
    ['registry with scheme', 'images:\n  registry: "https://mirror.example.com"\n', 'images.registry', /no scheme/],
    ['override tag latest', 'images:\n  overrides:\n    prefect: "prefecthq/prefect:latest"\n', 'images.overrides.prefect', /not a pinned image tag/],
    ['override of unknown image', 'images:\n  overrides:\n    nginx: "nginx:1.27"\n', 'images.overrides.nginx', /not an image of the stack/],
    ['autoscaling min above max', 'api:\n  autoscaling:\n    minReplicas: 5\n    maxReplicas: 3\n', 'api.autoscaling.minReplicas', /above maxReplicas/],
    ['autoscaling without max', 'api:\n  autoscaling:\n    minReplicas: 2\n', 'api.autoscaling.maxReplicas', /is required/],
    ['secret key with spaces', 'prefect:\n  authSecret: { name: auth, key: "a b" }\n', 'prefect.authSecret.key', /not a Secret key/],
    ['timeout too short', 'migrations:\n  timeoutSeconds: 5\n', 'migrations.timeoutSeconds', /between 60 and 86400/],
  ])('%s', (_title, yaml, field, message) => {
    expectConfigError(() => build(yaml), field, message);
  });

  test('errors give the line of the offending key', () => {
    expectConfigError(() => build('api:\n  replicas: 0\n'), 'api.replicas');
    expectConfigError(() => build('api:\n  replica: 2\n'), 'prefect-stack.yaml:11: api.replica');
  });

  test('a duplicate key is an error, not a silent override', () => {
    expect(() => parseConfig(BASE + REDIS + 'api:\n  replicas: 2\n  replicas: 3\n')).toThrow(/unique|duplicate/i);
  });

  test('several errors are reported together', () => {
    expect(() => parseConfig(BASE + REDIS + 'apii: 1\nnamspace: x\n')).toThrow(/apii[\s\S]*namspace/);
  });

  test('a database given both as URL and as parts is refused', () => {
    expectConfigError(() => synth(parseConfig(`
database:
  external:
    urlSecret: { name: db, key: url }
    host: db.example.com
redis:
  external:
    host: redis.example.com
`)), 'database.external', /not both/);
  });
});
