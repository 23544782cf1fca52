#!/usr/bin/env node
// `npm run bench`: wall time of synthesizing the default stack (prefect-stack.yaml) from compiled JS, from node
// process start to files written, and the same through `cdk8s synth`. Prints median, min and max of N runs.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 11);

function time(cmd, args, env = {}) {
  const samples = [];
  for (let i = 0; i < runs + 1; i++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args.map((a) => a.replace('$OUT', out)), { cwd: root, env: { ...process.env, ...env, CDK8S_OUTDIR: out }, stdio: 'pipe' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (!fs.readdirSync(out).some((f) => f.endsWith('.yaml'))) throw new Error('no manifest written');
    fs.rmSync(out, { recursive: true });
    if (i > 0) samples.push(ms); // the first run warms the file cache
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1] };
}

const fmt = (r) => `median ${r.median.toFixed(0)} ms (min ${r.min.toFixed(0)}, max ${r.max.toFixed(0)})`;
console.log(`synth benchmark: ${runs} runs each, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0].model}`);
console.log(`node lib/main.js   ${fmt(time(process.execPath, ['lib/main.js', '--output', '$OUT']))}`);
console.log(`cdk8s synth        ${fmt(time(path.join(root, 'node_modules/.bin/cdk8s'), ['synth', '--output', '$OUT']))}`);
