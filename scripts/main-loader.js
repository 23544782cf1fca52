// lib/main.js (copied here by scripts/bundle-main.js): runs the bundled synth app, lib/main.bundle.js, from V8's
// code cache (lib/main.bundle.cache), so a synth does not parse and compile 1 MB of JavaScript first. The cache is
// written after a run that had none or whose cache V8 rejected (another Node version): `npm run build` makes it;
// a read-only lib/ just runs without it. Same behaviour either way; only start-up time differs.
'use strict';
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const file = path.join(__dirname, 'main.bundle.js');
const cacheFile = path.join(__dirname, 'main.bundle.cache');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined; // first run: compile, then write the cache
}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const bundle = new Module(file, module);
bundle.filename = file;
bundle.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, __dirname);
if (cachedData === undefined || script.cachedDataRejected) {
  // After the run, so the functions compiled lazily during the synth are in the cache too.
  try {
    fs.writeFileSync(`${cacheFile}.${process.pid}`, script.createCachedData());
    fs.renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  } catch {
    // read-only or gone: the next run compiles again
  }
}
