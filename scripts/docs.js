#!/usr/bin/env node
// `npm run docs`: rewrites the README's generated sections (between <!-- NAME:start/end --> markers) from the code,
// so the documentation cannot drift from what the stack emits: the configuration reference (from the schema),
// the allowed network flows and the alerts (both from the stack that prefect-stack.yaml describes).
// test/project/docs.test.ts and test/network fail when a section is stale.
const fs = require('fs');
const path = require('path');
const { App } = require('cdk8s');
const { table } = require('./config-reference');
const { PrefectStack, loadConfig, renderFlowTable, alertsMarkdown } = require('../lib/charts');

const root = path.join(__dirname, '..');
const stack = new PrefectStack(new App(), 'docs', loadConfig(path.join(root, 'prefect-stack.yaml')));
const sections = {
  'config-reference': table,
  flows: renderFlowTable(stack.flows),
  alerts: alertsMarkdown(stack.monitoring.ruleGroups),
};
const readme = path.join(root, 'README.md');
let text = fs.readFileSync(readme, 'utf8');
for (const [name, body] of Object.entries(sections)) {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`README.md has no <!-- ${name}:start/end --> markers`);
  text = text.replace(re, (_m, a, b) => `${a}${body.trim()}\n${b}`);
}
fs.writeFileSync(readme, text);
