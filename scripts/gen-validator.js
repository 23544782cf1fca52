#!/usr/bin/env node
// Precompiles the configuration schema (charts/config/schema.json) into ajv standalone code beside the compiled
// loader (lib/charts/config/schema-validator.js), with the loader's own options (charts/config/ajv-options.ts), so
// a synth does not compile the schema at start (that was most of its time). Run by `npm run build` after tsc;
// reports on stderr (`npm pack --json` reads stdout).
//   node scripts/gen-validator.js [OUT_FILE]
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv').default;
const standalone = require('ajv/dist/standalone').default;

const root = path.join(__dirname, '..');
const { AJV_OPTIONS, PRECOMPILED_VALIDATOR } = require(path.join(root, 'lib/charts/config/ajv-options.js'));
const out = path.resolve(process.argv[2] ?? path.join(root, 'lib/charts/config', PRECOMPILED_VALIDATOR));
const schema = JSON.parse(fs.readFileSync(path.join(root, 'charts/config/schema.json'), 'utf8'));
const ajv = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, source: true } });
fs.writeFileSync(out, standalone(ajv, ajv.compile(schema)));
console.error(`${path.relative(process.cwd(), out)}: ${(fs.statSync(out).size / 1024).toFixed(0)} KiB`);
