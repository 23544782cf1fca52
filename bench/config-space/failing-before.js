#!/usr/bin/env node
// The hand-written cases of issue 14, run through a built checkout's own app (`node lib/main.js --config F`), so
// that the same cases can be run on the code the issue was filed against and on today's: each prints PASS when the
// checkout behaves as the issue demands, FAIL otherwise. The unit tests hold the same cases as assertions; this
// script is their failing-before evidence, because those tests use today's test helpers and cannot run on old code.
// Usage: node bench/config-space/failing-before.js <built checkout> [...]   (e.g. a `git worktree add` of 3cbc6af)
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseAllDocuments } = require('yaml');

const BASE = `name: prefect
namespace: prefect
prefect:
  version: "3.9.1"
  externalUrl: https://prefect.example.com
  authSecret: { name: prefect-auth, key: auth-string }
`;
const S3 = `database:
  inCluster:
    backups:
      s3: { bucket: prefect-backups, endpoint: "https://s3.example.com", accessKeyIdSecret: { name: s3, key: id }, secretAccessKeySecret: { name: s3, key: key } }
`;
const cron = (c) => `${BASE}database:\n  inCluster:\n    backups:\n      schedule: "${c}"\n`;

/** What a case demands of the outcome { status, stderr, stdout, objects }. */
const refused = (key) => (r) => r.status !== 0 && r.stderr.includes(key) && r.objects.length === 0;
const accepted = (r) => r.status === 0 && r.objects.length > 0;
const lengthsFit = (r) =>
  r.objects.every((o) => {
    const n = o.metadata?.name ?? '';
    // CronJob names ≤ 52 (the Job controller appends 11); Job names land in the job-name label (≤ 63); a
    // StatefulSet's name plus "-" and a 10-character hash lands in controller-revision-hash (≤ 63).
    return (o.kind === 'CronJob' ? n.length <= 52 : o.kind === 'StatefulSet' ? n.length <= 52 : n.length <= 63) || o.kind === 'Namespace';
  });

const CASES = [
  [
    'off-cluster backups: the backup pods may reach the object store (TCP 443)',
    BASE + S3,
    (r) =>
      r.status === 0 &&
      r.objects.some(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          /backup/.test(JSON.stringify(o.spec.podSelector)) &&
          (o.spec.egress ?? []).some((e) => (e.ports ?? []).some((p) => p.port === 443)),
      ),
  ],
  [
    'a 40-character name: every derived name fits its kind, or the name is refused',
    BASE.replace('name: prefect', `name: ${'p'.repeat(40)}`),
    (r) => (r.status === 0 ? lengthsFit(r) : refused('name')(r)),
  ],
  [
    'a registry with a port: no version label "5000"',
    `${BASE}images:\n  registry: registry.local:5000/mirror\n`,
    (r) => r.status === 0 && r.objects.every((o) => o.metadata?.labels?.['app.kubernetes.io/version'] !== '5000'),
  ],
  ['quantity 1.2.3Gi refused', `${BASE}api:\n  resources:\n    limits:\n      memory: 1.2.3Gi\n`, refused('api.resources.limits.memory')],
  ['a negative quantity refused', `${BASE}api:\n  resources:\n    requests:\n      cpu: "-1"\n`, refused('api.resources.requests.cpu')],
  [
    'time zone Mars/Olympus refused',
    `${BASE}database:\n  inCluster:\n    backups:\n      timeZone: Mars/Olympus\n`,
    refused('database.inCluster.backups.timeZone'),
  ],
  ['cron 0 5-1 * * * refused', cron('0 5-1 * * *'), refused('database.inCluster.backups.schedule')],
  ['an invalid annotation key refused', `${BASE}edge:\n  ingressNginx:\n    annotations: { "bad key": x }\n`, refused('edge.ingressNginx.annotations')],
  [
    'namespace kube-system with createNamespace refused',
    BASE.replace('namespace: prefect', 'namespace: kube-system\ncreateNamespace: true'),
    refused('namespace'),
  ],
  ['an empty file refused', '', (r) => r.status !== 0 && r.objects.length === 0],
  ['a comments-only file refused', '# name: prefect\n# api:\n#   replicas: 3\n', (r) => r.status !== 0 && r.objects.length === 0],
  ['a Prefect 2.x version refused', BASE.replace('"3.9.1"', '"2.20.3"'), refused('prefect.version')],
  [
    'an API memory limit below one idle API process refused',
    `${BASE}api:\n  resources:\n    requests:\n      memory: 96Mi\n    limits:\n      memory: 96Mi\n`,
    refused('api.resources.limits.memory'),
  ],
  [
    'a literal credential in worker.extraEnv refused',
    `${BASE}worker:\n  extraEnv: { PREFECT_API_KEY: pnu_abc123 }\n`,
    refused('worker.extraEnv.PREFECT_API_KEY'),
  ],
  ['cron 0 2 * * MON accepted', cron('0 2 * * MON'), accepted],
  ['cron 0 2 1 JAN * accepted', cron('0 2 1 JAN *'), accepted],
  ['cron 0 2 ? * * accepted', cron('0 2 ? * *'), accepted],
  ['replicas -1 reported under api.replicas', `${BASE}api:\n  replicas: -1\n`, (r) => refused('api.replicas')(r) && !/connection budget/.test(r.stderr)],
  ['replicas 1.5 reported under api.replicas', `${BASE}api:\n  replicas: 1.5\n`, (r) => refused('api.replicas')(r) && !/connection budget/.test(r.stderr)],
  [
    'a list at the top level: no key "" in the message',
    '- name: prefect\n',
    (r) => r.status !== 0 && !/(^|\s)"?"?: |key ""/.test(r.stderr) && /list/.test(r.stderr),
  ],
  [
    'two YAML documents: no YAML library API in the message',
    `${BASE}---\nname: b\n`,
    (r) => r.status !== 0 && !/parseAllDocuments|YAML\.parse|Source contains/.test(r.stderr),
  ],
  ['a missing file: no raw ENOENT', null, (r) => r.status !== 0 && !/ENOENT/.test(r.stderr)],
  ['--help prints a usage text, no stack trace', '--help', (r) => r.status === 0 && /usage/i.test(r.stdout) && !/\bat .*\.js:\d+/.test(r.stdout + r.stderr)],
  [
    'the API published without auth refused',
    BASE.replace('  authSecret: { name: prefect-auth, key: auth-string }\n', ''),
    (r) => r.status !== 0 && /auth/i.test(r.stderr),
  ],
];

function run(checkout, config) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failing-before-'));
  const out = path.join(dir, 'dist');
  let args;
  if (config === '--help') args = ['--help'];
  else {
    const file = path.join(dir, 'prefect-stack.yaml');
    if (config !== null) fs.writeFileSync(file, config);
    args = ['--config', file, '--output', out];
  }
  const p = spawnSync(process.execPath, [path.join(checkout, 'lib/main.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const objects = fs.existsSync(out)
    ? fs
        .readdirSync(out)
        .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map((d) => d.toJS()))
        .filter(Boolean)
    : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: p.status, stdout: p.stdout, stderr: p.stderr, objects };
}

for (const checkout of process.argv.slice(2)) {
  const rev = spawnSync('git', ['-C', checkout, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  let pass = 0;
  for (const [name, config, ok] of CASES) {
    const r = run(checkout, config);
    const good = ok(r);
    if (good) pass++;
    // The outcome itself, so a FAIL can be read for what it was (exit status, objects, the message's first line).
    const said = (r.stderr || r.stdout).trim().split('\n')[0].slice(0, 110);
    console.log(`${rev} ${good ? 'PASS' : 'FAIL'} ${name}  [exit ${r.status}, ${r.objects.length} objects${said ? `: ${said}` : ''}]`);
  }
  console.log(`FIGURE issue-14 cases on ${rev}: ${pass} of ${CASES.length} behave as the issue demands`);
}
