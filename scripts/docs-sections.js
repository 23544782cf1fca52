// The generated sections of docs/: which file, which marker pair, what goes between. One list for the writer
// (scripts/docs.js, with the built library) and the freshness test (test/project/docs.test.ts, with the sources).
const path = require('path');
const { App } = require('cdk8s');
const { table } = require('./config-reference');

/** @param charts the library's exports (`lib/charts` or `charts/`) */
function generatedSections(charts) {
  const { PrefectStack, loadConfig, renderFlowTable, alertsMarkdown } = charts;
  const config = loadConfig(path.join(__dirname, '..', 'prefect-stack.yaml'));
  const stack = new PrefectStack(new App(), 'docs', config);
  // The runbooks of every mode: the shipped file's alerts, then those only the CloudNativePG mode has.
  const cnpg = new PrefectStack(new App(), 'docs', { ...config, database: { cloudNativePG: {} } });
  const names = new Set(stack.monitoring.ruleGroups.map((g) => g.name));
  const ruleGroups = [...stack.monitoring.ruleGroups, ...cnpg.monitoring.ruleGroups.filter((g) => !names.has(g.name))];
  return [
    { file: 'docs/configuration.md', name: 'config-reference', body: table },
    { file: 'docs/architecture.md', name: 'flows', body: renderFlowTable(stack.flows) },
    { file: 'docs/alerts.md', name: 'alerts', body: alertsMarkdown(ruleGroups) },
  ];
}
module.exports = { generatedSections };
