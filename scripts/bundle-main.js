#!/usr/bin/env node
// Bundles the synth app (main.ts and everything it imports: app/, charts/, imports/, cdk8s, constructs, yaml) into
// one file, lib/main.bundle.js, started by lib/main.js (scripts/main-loader.js) from V8's code cache, which this
// script makes by running the app once. Start-up was most of a synth's time: resolving and reading ~300 module
// files and compiling them. What library consumers import (lib/charts/) is untouched, and so is `npm test`.
//   node scripts/bundle-main.js   (run by `npm run build` after tsc, copy-assets and gen-validator)
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const lib = path.join(root, 'lib');
const bundleFile = path.join(lib, 'main.bundle.js');

// charts/ reads its assets (the config schema, its precompiled validator, the scripts mounted into pods) next to
// its own compiled files: point each module's __dirname at its folder under lib/, relative to the bundle.
const dirnamePlugin = {
  name: 'charts-dirname',
  setup(build) {
    build.onLoad({ filter: /[\\/]charts[\\/].*\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      if (!source.includes('__dirname')) return undefined;
      const rel = path.relative(root, path.dirname(args.path)).split(path.sep).join('/');
      const contents =
        `const __chartsDirname = require('path').join(__dirname, ${JSON.stringify(rel)});\n` + source.replace(/\b__dirname\b/g, '__chartsDirname');
      return { contents, loader: 'ts' };
    });
  },
};

// The precompiled config validator (scripts/gen-validator.js) goes into the bundle, and so into the code cache:
// load.ts requires it by a computed path, which esbuild would leave to run time.
const validatorPlugin = {
  name: 'bundled-validator',
  setup(build) {
    build.onLoad({ filter: /[\\/]charts[\\/]config[\\/]load\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const call = 'require(precompiled)';
      if (!source.includes(call)) throw new Error(`bundle-main: ${args.path} no longer has ${call}; update validatorPlugin`);
      const generated = path.join(lib, 'charts/config/schema-validator.js');
      if (!fs.existsSync(generated)) throw new Error(`bundle-main: ${generated} missing: run scripts/gen-validator.js first`);
      const rel = path.relative(root, path.dirname(args.path)).split(path.sep).join('/');
      const contents =
        `const __chartsDirname = require('path').join(__dirname, ${JSON.stringify(rel)});\n` +
        source.replace(/\b__dirname\b/g, '__chartsDirname').replace(call, `require(${JSON.stringify(generated)})`);
      return { contents, loader: 'ts' };
    });
  },
};

// cdk8s requires child_process at start for Yaml.load of URLs and Helm, which a synth of this app never uses;
// loading it pulls in net and dgram: defer it to the first call (cdk8s only calls its functions, e.g. spawnSync,
// and copies them at start, hence a function per key rather than the module).
const lazyBuiltinPlugin = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]cdk8s[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let m; const load = () => (m ??= require(${JSON.stringify(`node:${args.path}`)}));
        module.exports = new Proxy({}, { get: (_t, k) => function (...a) { return load()[k].apply(this, a); } });`,
      loader: 'js',
    }));
  },
};

// cdk8s ships its own copy of yaml (bundledDependencies); when it is the same version as ours, load one copy.
const ours = require(path.join(root, 'node_modules/yaml/package.json')).version;
const cdk8sYaml = path.join(root, 'node_modules/cdk8s/node_modules/yaml/package.json');
const theirs = fs.existsSync(cdk8sYaml) ? require(cdk8sYaml).version : ours;
const yamlPlugin = {
  name: 'one-yaml',
  setup(build) {
    if (theirs !== ours) return;
    build.onResolve({ filter: /^yaml(\/util)?$/ }, (args) => ({ path: require.resolve(args.path, { paths: [root] }) }));
  },
};

async function main() {
  await esbuild.build({
    entryPoints: [path.join(root, 'main.ts')],
    outfile: bundleFile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [validatorPlugin, dirnamePlugin, yamlPlugin, lazyBuiltinPlugin],
    tsconfig: path.join(root, 'tsconfig.build.json'),
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(__dirname, 'main-loader.js'), path.join(lib, 'main.js'));
  // One run writes lib/main.bundle.cache (the loader does, after a run without one).
  fs.rmSync(path.join(lib, 'main.bundle.cache'), { force: true });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  try {
    execFileSync(process.execPath, [path.join(lib, 'main.js'), '--config', path.join(root, 'prefect-stack.yaml'), '--output', out], { stdio: 'inherit' });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const kib = (f) => (fs.statSync(path.join(lib, f)).size / 1024).toFixed(0);
  console.error(
    `lib/main.bundle.js: ${kib('main.bundle.js')} KiB, code cache ${kib('main.bundle.cache')} KiB${theirs === ours ? '' : ` (cdk8s's yaml ${theirs} ≠ ours ${ours}: two copies)`}`,
  );
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
