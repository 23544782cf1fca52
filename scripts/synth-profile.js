#!/usr/bin/env node
// Where `node lib/main.js` spends its time: runs it N times under V8's CPU profiler (node --cpu-prof) and sorts
// every sample into a phase by the innermost frame of its stack that names one (module loading, config, construct,
// resolve + toJson, YAML write, GC; the rest is node's own start-up). Prints the median per phase.
//   node scripts/synth-profile.js [RUNS] [-- app args]   (default 5 runs of `node lib/main.js`; `npm run bench` runs it)
// The profiler adds overhead: compare phases with each other, not with wall times.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const runs = Number(process.argv[2] ?? 5);
const extra = process.argv.includes('--') ? process.argv.slice(process.argv.indexOf('--') + 1) : [];

// Innermost match wins, so a lazy require inside the construct counts as module loading.
const PHASES = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  [
    'module loading (resolve, read, compile, init)',
    (f) => /^(Module\._load|Module\.require|require|__require|wrapSafe|compileFunction|compileForInternalLoader|Script)$/.test(f.functionName),
  ],
  ['YAML write', (f) => /(^|\.)save$/.test(f.functionName)],
  ['config: YAML parse + schema validation', (f) => /^(loadConfig|parseConfig)$/.test(f.functionName)],
  ['construct: new PrefectStack', (f) => f.functionName === 'PrefectStack'],
  ['synth: resolve + toJson', (f) => /^(_synthChart|toJson)$/.test(f.functionName)],
  ['synth: validate, dependencies, files', (f) => f.functionName === 'synth'],
];
const OTHER = 'node start-up and the rest';

function profileOnce() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-prof-'));
  const out = path.join(dir, 'out');
  execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, path.join(root, 'lib/main.js'), '--output', out, ...extra], {
    cwd: root,
    stdio: 'pipe',
  });
  const profile = JSON.parse(
    fs.readFileSync(
      path.join(
        dir,
        fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile')),
      ),
      'utf8',
    ),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseOf = new Map();
  const phase = (id) => {
    if (!phaseOf.has(id)) {
      let found = OTHER;
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const hit = PHASES.find(([, test]) => test(byId.get(cur).callFrame));
        if (hit) {
          found = hit[0];
          break;
        }
      }
      phaseOf.set(id, found);
    }
    return phaseOf.get(id);
  };
  const ms = {};
  profile.samples.forEach((id, i) => {
    const p = phase(id);
    ms[p] = (ms[p] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return ms;
}

const all = Array.from({ length: runs }, profileOnce);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const names = [...PHASES.map(([n]) => n), OTHER];
const rows = names.map((n) => [n, median(all.map((r) => r[n] ?? 0))]);
const total = median(all.map((r) => Object.values(r).reduce((a, b) => a + b, 0)));
console.log(`where node lib/main.js spends its time: median of ${runs} CPU profiles (profiled total ${total.toFixed(0)} ms)`);
for (const [n, v] of rows.sort((a, b) => b[1] - a[1])) console.log(`  ${v.toFixed(1).padStart(6)} ms ${((100 * v) / total).toFixed(0).padStart(3)} %  ${n}`);
