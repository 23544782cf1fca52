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
    [
      'list item named by index, as the constructs name it',
      'scheduling:\n  tolerations:\n    - {key: k, operator: In}\n',
      'scheduling.tolerations[0].operator',
      /must be one of "Equal", "Exists"/,
    ],
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
    // Accepted before, but the API server refuses it or it does harm:
    ['quantity with two points', 'api:\n  resources:\n    limits:\n      memory: 1.2.3Gi\n', 'api.resources.limits.memory', /not a Kubernetes quantity/],
    ['negative quantity', 'api:\n  resources:\n    requests:\n      cpu: "-1"\n', 'api.resources.requests.cpu', /negative/],
    ['system namespace relabelled', 'namespace: kube-system\n', 'namespace', /system namespace[\s\S]*createNamespace: false/],
    ['default namespace relabelled', 'namespace: default\n', 'namespace', /system namespace/],
    ['Prefect 2', 'prefect:\n  version: "2.20.16"\n', 'prefect.version', /not a Prefect 3 release the stack supports/],
    ['Prefect 3 older than the tested releases', 'prefect:\n  version: "3.4.7"\n', 'prefect.version', /3\.9\.0 or later/],
    [
      'API memory limit below its idle use',
      'api:\n  resources:\n    limits:\n      memory: 128Mi\n    requests:\n      memory: 64Mi\n',
      'api.resources.limits.memory',
      /171 MiB one API process uses idle/,
    ],
    [
      'services memory limit below idle use',
      'backgroundServices:\n  resources:\n    limits:\n      memory: 150Mi\n    requests:\n      memory: 128Mi\n',
      'backgroundServices.resources.limits.memory',
      /OOM/,
    ],
    [
      'credential as a literal (worker)',
      'worker:\n  extraEnv:\n    PREFECT_API_KEY: pnu_123\n',
      'worker.extraEnv.PREFECT_API_KEY',
      /credential[\s\S]*worker\.extraSecretEnv\.PREFECT_API_KEY/,
    ],
    ['credential as a literal (server)', 'prefect:\n  extraEnv:\n    PREFECT_SERVER_X_TOKEN: abc\n', 'prefect.extraEnv.PREFECT_SERVER_X_TOKEN', /credential/],
    [
      'the same setting twice',
      'prefect:\n  extraEnv:\n    PREFECT_X: "1"\n  extraSecretEnv:\n    PREFECT_X: { name: s, key: k }\n',
      'prefect.extraSecretEnv.PREFECT_X',
      /also in extraEnv/,
    ],
    ['edge without auth', 'prefect:\n  externalUrl: https://prefect.example.com\n', 'edge', /without authentication[\s\S]*allowUnauthenticated/],
    [
      'gateway without auth',
      'prefect:\n  externalUrl: https://prefect.example.com\nedge:\n  type: gateway-api\n  gateway: { name: gw }\n',
      'edge',
      /edge\.gateway\.authFilter/,
    ],
    [
      'bad ingress annotation key',
      'prefect:\n  externalUrl: https://p.example.com\n  authSecret: { name: a, key: b }\nedge:\n  ingressNginx:\n    annotations:\n      "nginx.ingress.kubernetes.io/": "x"\n',
      'edge.ingressNginx.annotations.nginx.ingress.kubernetes.io/',
      /annotation key/,
    ],
    ['name too long for the CronJobs', 'name: abcdefghijabcdefghijabcdefghijabcdefg\n', 'name', /at most 35/],
  ])('%s', (_title, yaml, field, message) => {
    expectConfigError(() => build(yaml), field, message);
  });

  // The backups live in the in-cluster database section, which the cases above replace with an external one.
  test.each<[string, string, string, RegExp]>([
    ['unknown time zone', 'timeZone: Mars/Olympus', 'database.inCluster.backups.timeZone', /IANA/],
    ['range ending before it starts', 'schedule: "0 5-1 * * *"', 'database.inCluster.backups.schedule', /starts after it ends/],
    ['weekday 7', 'schedule: "0 2 * * 7"', 'database.inCluster.backups.schedule', /above 6/],
  ])('%s', (_title, line, field, message) => {
    expectConfigError(() => synth(parseConfig(`database:\n  inCluster:\n    backups:\n      ${line}\n`, 'prefect-stack.yaml')), field, message);
  });

  test('errors give the line of the offending key', () => {
    expectConfigError(() => build('api:\n  replicas: 0\n'), 'api.replicas');
    expectConfigError(() => build('api:\n  replica: 2\n'), 'prefect-stack.yaml:11: api.replica');
  });

  test.each<[string, string, RegExp]>([
    ['an empty file', '', /is empty; write the configuration[\s\S]*\{\}/],
    ['a file of comments only', '# name: prefect\n# api:\n#   replicas: 3\n', /is empty/],
    ['a list at the top level', '- name: prefect\n', /is a list, not a mapping of keys/],
    ['a scalar at the top level', 'prefect\n', /is a string, not a mapping/],
    ['two YAML documents', 'name: a\n---\nname: b\n', /holds 2 YAML documents[\s\S]*one configuration per file/],
  ])('%s is refused with the file name and what to do', (_t, text, message) => {
    expect(() => parseConfig(text, 'prefect-stack.yaml')).toThrow(new RegExp(`^prefect-stack\\.yaml: ${message.source}`));
  });

  test('{} takes every default on purpose', () => {
    expect(parseConfig('{}\n')).toEqual({});
  });

  test('a missing file says which path was looked for', () => {
    expect(() => loadConfig('no-such-config.yaml')).toThrow(
      /^no-such-config\.yaml: does not exist \(looked for \/.*no-such-config\.yaml\); give the configuration file with --config FILE$/,
    );
  });

  test('credentials go through Secret keys: extraSecretEnv reaches the pods as secretKeyRef, never as a value', () => {
    const objs = build(
      'worker:\n  extraSecretEnv:\n    PREFECT_API_KEY: { name: cloud, key: api-key }\nprefect:\n  extraSecretEnv:\n    PREFECT_SERVER_X_TOKEN: { name: x, key: t }\n',
    );
    const env = (name: string) => objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec.template.spec.containers[0].env;
    expect(env('prefect-worker')).toContainEqual({ name: 'PREFECT_API_KEY', valueFrom: { secretKeyRef: { name: 'cloud', key: 'api-key' } } });
    expect(env('prefect-api')).toContainEqual({ name: 'PREFECT_SERVER_X_TOKEN', valueFrom: { secretKeyRef: { name: 'x', key: 't' } } });
  });

  test('an exposed API with auth, or confirmed without it on purpose, is accepted', () => {
    for (const extra of [
      'prefect:\n  externalUrl: https://p.example.com\n  authSecret: { name: a, key: b }\n',
      'prefect:\n  externalUrl: https://p.example.com\nedge:\n  ingressNginx: { basicAuthSecret: htpasswd }\n',
      'prefect:\n  externalUrl: https://p.example.com\nedge:\n  allowUnauthenticated: true\n',
      'namespace: kube-system\ncreateNamespace: false\n',
    ]) {
      expect(build(extra).length).toBeGreaterThan(5);
    }
  });

  test('a duplicate key is an error, not a silent override', () => {
    expect(() => parseConfig(BASE + REDIS + 'api:\n  replicas: 2\n  replicas: 3\n')).toThrow(/unique|duplicate/i);
  });

  test('several errors are reported together', () => {
    expect(() => parseConfig(BASE + REDIS + 'apii: 1\nnamspace: x\n')).toThrow(/apii[\s\S]*namspace/);
  });

  test('a database given both as URL and as parts is refused', () => {
    expectConfigError(
      () =>
        synth(
          parseConfig(`
database:
  external:
    urlSecret: { name: db, key: url }
    host: db.example.com
redis:
  external:
    host: redis.example.com
`),
        ),
      'database.external',
      /not both/,
    );
  });
});
