#!/usr/bin/env node
// Renders the configuration reference (docs/configuration.md, between the config-reference markers) from the
// generated JSON Schema, so the documented keys are exactly the keys the file accepts. `npm run docs` writes it;
// test/project/docs.test.ts fails when it is stale.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'charts/config/schema.json'), 'utf8'));
const deref = (s) => (s && s.$ref ? schema.definitions[s.$ref.replace('#/definitions/', '')] : s);

function typeOf(s) {
  s = deref(s);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  if (s.type === 'object' && !s.properties) return 'map';
  return s.type ?? 'object';
}

// `@default VALUE - why` arrives as one string (its why may run over lines); `@default - text` is prose with no
// literal value; `@default "/" on its own host` is a quoted literal followed by prose.
function defaultText(d) {
  if (d === undefined) return '';
  if (typeof d !== 'string') return `\`${JSON.stringify(d)}\``;
  d = d.replace(/\s*\n\s*/g, ' ');
  if (d.startsWith('-')) return d.slice(1).trim();
  const quoted = /^("[^"]*")\s+(\S[\s\S]*)$/.exec(d);
  if (quoted) return `\`${JSON.parse(quoted[1])}\` ${quoted[2]}`;
  const m = /^(.*?)\s+-\s+([\s\S]*)$/.exec(d);
  if (m) return `\`${m[1]}\` (${m[2]})`;
  return `\`${JSON.stringify(d)}\``;
}

const cell = (t) =>
  String(t ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n+/g, ' ');

// Kubernetes' own types are written as in a pod spec: the reference names them instead of listing their fields.
const KUBERNETES_TYPES = { Affinity: "object (a pod spec's affinity)" };
const kubernetesType = (s) => (s && s.$ref ? KUBERNETES_TYPES[s.$ref.replace('#/definitions/', '')] : undefined);

function rows(s, prefix) {
  s = deref(s);
  const out = [];
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    const name = `${prefix}${key}`;
    const target = deref(prop);
    const k8sType = kubernetesType(prop);
    const isSection = !k8sType && target.type === 'object' && target.properties;
    const dflt = defaultText(prop.default);
    const required = (s.required ?? []).includes(key) ? ' (required)' : '';
    out.push(
      `| \`${name}\` | ${isSection ? 'section' : cell(k8sType ?? typeOf(prop))}${required} | ${cell(dflt)} | ${cell(prop.description ?? target.description)} |`,
    );
    if (isSection) out.push(...rows(target, `${name}.`));
  }
  return out;
}

const table = ['| key | type | default | meaning |', '| --- | --- | --- | --- |', ...rows(schema.definitions.PrefectStackProps, '')].join('\n');
module.exports = { table };

if (require.main === module) console.log(table);
