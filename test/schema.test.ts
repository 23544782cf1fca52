import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { Obj, configurations, synth } from './util';

/**
 * Strict schema validation of every synthesized object: built-in kinds against Kubernetes' own OpenAPI
 * (test/schema/kubernetes-openapi.json, extracted from the pinned k8s.io/kubernetes module), custom resources
 * against their CRDs (../shared/crds). Unknown fields, wrong types and missing required fields all fail.
 */
const root = path.join(__dirname, '..');

/** CRDs use Go (RE2) patterns: drop the `(?i)` flag JavaScript cannot parse, and any pattern it still cannot. */
function jsPattern(p: string): string | undefined {
  for (const candidate of [p, p.replace(/\(\?i\)/g, '')]) {
    try {
      new RegExp(candidate, 'u');
      return candidate;
    } catch {
      // next candidate
    }
  }
  return undefined;
}

/** Marks every object schema closed, as the API server's strict field validation does. */
function closed(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (typeof out.pattern === 'string') out.pattern = jsPattern(out.pattern);
  if (out.pattern === undefined) delete out.pattern;
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const k8s = JSON.parse(fs.readFileSync(path.join(root, 'test/schema/kubernetes-openapi.json'), 'utf8'));
ajv.addSchema({ $id: 'k8s', components: closed(k8s.components) });

const crdValidators = new Map<string, ReturnType<Ajv['compile']>>();
const crdDir = path.join(root, '..', 'shared', 'crds');
for (const file of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
  for (const doc of parseAllDocuments(fs.readFileSync(path.join(crdDir, file), 'utf8'))) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions) {
      crdValidators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, ajv.compile(closed(v.schema.openAPIV3Schema)));
    }
  }
}

/** Validates one object; returns the errors as readable lines. */
export function schemaErrors(o: Obj): string[] {
  const key = `${o.apiVersion}/${o.kind}`;
  const where = `${o.kind}/${o.metadata?.name}`;
  const validate = k8s.kinds[key] ? ajv.getSchema(`k8s#/components/schemas/${k8s.kinds[key]}`)! : crdValidators.get(key);
  if (!validate) return [`${key}: no schema known`];
  if (validate(o)) return [];
  return (validate.errors ?? []).map((e) => `${where}${e.instancePath}: ${e.message} ${JSON.stringify(e.params)}`);
}

describe.each(configurations())('schema: %s', (_name, props) => {
  test('every object validates strictly', () => {
    const objs = synth(props);
    expect(objs.flatMap(schemaErrors)).toEqual([]);
  });
});

describe('schema validation can fail', () => {
  const deployment = synth().find((o) => o.kind === 'Deployment')!;
  const copy = (): any => JSON.parse(JSON.stringify(deployment));

  test('an unknown field is rejected', () => {
    const o = copy();
    o.spec.template.spec.containers[0].imagePullPolice = 'Always';
    expect(schemaErrors(o).join()).toMatch(/must NOT have additional properties.*imagePullPolice/);
  });

  test('a wrong type is rejected', () => {
    const o = copy();
    o.spec.replicas = 'three';
    expect(schemaErrors(o).join()).toMatch(/\/spec\/replicas: must be integer/);
  });

  test('a missing required field is rejected', () => {
    const o = copy();
    delete o.spec.template.spec.containers[0].name;
    expect(schemaErrors(o).join()).toMatch(/must have required property 'name'/);
  });

  test('a custom resource is checked against its CRD', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'x' }, spec: { hostnames: 'not-a-list' } };
    expect(schemaErrors(route as Obj).join()).toMatch(/hostnames: must be array/);
  });
});
