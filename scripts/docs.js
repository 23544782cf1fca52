#!/usr/bin/env node
// `npm run docs`: rewrites the generated sections of docs/ (between <!-- NAME:start/end --> markers) from the code,
// so the documentation cannot drift from what the stack emits: the configuration reference (from the schema),
// the allowed network flows and the alert runbooks (both from the stack that prefect-stack.yaml describes).
// test/project/docs.test.ts fails when a section is stale.
const fs = require('fs');
const path = require('path');
const { generatedSections } = require('./docs-sections');

const root = path.join(__dirname, '..');
for (const { file, name, body } of generatedSections(require('../lib/charts'))) {
  const doc = path.join(root, file);
  const text = fs.readFileSync(doc, 'utf8');
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`${file} has no <!-- ${name}:start/end --> markers`);
  fs.writeFileSync(
    doc,
    text.replace(re, (_m, a, b) => `${a}${body.trim()}\n${b}`),
  );
}
