import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { Obj } from '../util';
import { FULL, synthFull } from './tools';

/**
 * Every dashboard against Grafana's published schema: the types Grafana generates from its CUE schemas and publishes
 * on npm, type-checked by the TypeScript compiler against the dashboard JSON the stack emits.
 *  - `@grafana/schema` 13.2.3 (Grafana's own package, packages/grafana-schema): `Dashboard` (panels, rows, templating,
 *    time, …) strictly, and each panel's `options` and `fieldConfig.defaults.custom` against its plugin's `Options`
 *    and `FieldConfig` (timeseries, stat). Plugin options are checked deep-partially: Grafana fills omitted options
 *    from the plugin's defaults when it loads a panel; a wrong name, type or enum value is still an error.
 *  - `@grafana/grafana-foundation-sdk` 11.6.0 (Grafana's SDK, generated from the same schemas): the Prometheus
 *    query type (`dataquery`: expr, legendFormat, range, …), which @grafana/schema does not carry, for `targets`.
 * JSON strings stand for the schemas' string enums (`"list"` for LegendDisplayMode.List).
 */
const TOOLS = path.join(__dirname, 'tools', 'node_modules');
const HAVE = fs.existsSync(path.join(TOOLS, '@grafana', 'schema')) && fs.existsSync(path.join(TOOLS, '@grafana', 'grafana-foundation-sdk'));
/** Panel plugins with a schema: the file name of their generated types, and whether they have a `FieldConfig`. */
const PLUGINS: Record<string, { file: string; fieldConfig: boolean }> = {
  timeseries: { file: 'TimeSeriesPanelCfg', fieldConfig: true },
  stat: { file: 'StatPanelCfg', fieldConfig: false },
};

const PRELUDE = `
import type { Dashboard } from '@grafana/schema';
${Object.entries(PLUGINS)
  .map(([p, { file }]) => `import type * as ${p} from '@grafana/schema/dist/esm/raw/composable/${p}/panelcfg/x/${file}_types.gen';`)
  .join('\n')}
import type { dataquery } from '@grafana/grafana-foundation-sdk/prometheus';
/** The JSON form of a schema type: string enums as their values, everything else as is (optionality kept). */
type Json<T> = T extends string ? (string extends T ? string : \`\${T}\`) : T extends number | boolean | null | undefined ? T
  : T extends ReadonlyArray<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
/** The same, every field optional at every depth (panel options that Grafana fills from the plugin's defaults). */
type JsonPartial<T> = T extends string ? (string extends T ? string : \`\${T}\`) : T extends number | boolean | null | undefined ? T
  : T extends ReadonlyArray<infer U> ? Array<JsonPartial<U>> : T extends object ? { [K in keyof T]?: JsonPartial<T[K]> } : T;
type PromQuery = Json<Omit<dataquery, '_implementsDataqueryVariant'>>;
`;

/** TypeScript source assigning each dashboard and each panel's parts to the schema types. */
function source(dashboards: Array<{ name: string; json: any }>): string {
  const out = [PRELUDE];
  dashboards.forEach(({ name, json }, i) => {
    out.push(`// ${name}\nexport const dashboard${i}: Json<Dashboard> = ${JSON.stringify(json, null, 1)};`);
    for (const p of json.panels ?? []) {
      if (p.type === 'row') continue;
      const plugin = PLUGINS[p.type];
      const id = `d${i}p${p.id}`;
      if (!plugin) {
        out.push(`export const ${id}Plugin: 'a panel plugin with a schema here' = ${JSON.stringify(p.type)};`);
        continue;
      }
      out.push(`export const ${id}Options: JsonPartial<${p.type}.Options> = ${JSON.stringify(p.options ?? {})};`);
      // A plugin without custom field config (stat) takes none.
      out.push(
        plugin.fieldConfig
          ? `export const ${id}Custom: JsonPartial<${p.type}.FieldConfig> = ${JSON.stringify(p.fieldConfig?.defaults?.custom ?? {})};`
          : `export const ${id}Custom: undefined = ${JSON.stringify(p.fieldConfig?.defaults?.custom)};`,
      );
      out.push(`export const ${id}Targets: PromQuery[] = ${JSON.stringify(p.targets ?? [])};`);
    }
  });
  return out.join('\n');
}

/** Type-checks the source; returns the compiler's messages with the line of the source they point at. */
function check(src: string): string[] {
  const file = path.join(__dirname, 'tools', '__dashboards__.ts'); // inside tools/: its node_modules resolve
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (f) => (f === file ? src : read(f));
  host.fileExists = (f) => f === file || exists(f);
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, src, lang) : getSource(f, lang, ...rest));
  const program = ts.createProgram([file], options, host);
  const lines = src.split('\n');
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    if (!d.file || d.start === undefined) return msg;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `line ${line + 1}: ${msg}\n  at: ${lines[line].trim().slice(0, 160)}`;
  });
}

function dashboardsOf(objs: Obj[]): Array<{ name: string; json: any }> {
  return objs
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard)
    .map((o) => ({ name: o.metadata.name, json: JSON.parse(Object.values(o.data as Record<string, string>)[0]) }));
}

// In CI a missing package fails the tests (setup.sh must install it); locally they are skipped.
const withSchema = HAVE || process.env.CI === 'true' ? test : test.skip;

describe("dashboards against Grafana's published schema", () => {
  // Every dashboard the stack can emit: exporter, ingress panels, database growth, backups.
  const dashboards = dashboardsOf(synthFull(FULL));

  withSchema(
    'every dashboard, panel option set and Prometheus query type-checks',
    () => {
      expect(HAVE).toBe(true);
      expect(dashboards.map((d) => d.name).sort()).toEqual([
        'prefect-dashboard-backups',
        'prefect-dashboard-flow-runs',
        'prefect-dashboard-overview',
        'prefect-dashboard-postgres',
        'prefect-dashboard-redis',
      ]);
      expect(check(source(dashboards))).toEqual([]);
    },
    60_000,
  );

  withSchema(
    'negative controls: a wrong field type, an unknown panel option and a wrong enum value are errors',
    () => {
      const base = dashboards.find((d) => d.name === 'prefect-dashboard-overview')!.json;
      const panel = base.panels.findIndex((p: any) => p.type === 'timeseries');
      const variants: Array<[string, (d: any) => void]> = [
        [
          'schemaVersion as a string',
          (d) => {
            d.schemaVersion = '39';
          },
        ],
        [
          'an unknown legend option',
          (d) => {
            d.panels[panel].options.legend.position = 'bottom';
          },
        ],
        [
          'a wrong legend display mode',
          (d) => {
            d.panels[panel].options.legend.displayMode = 'lists';
          },
        ],
        [
          'a query without expr',
          (d) => {
            delete d.panels[panel].targets[0].expr;
          },
        ],
      ];
      const baseErrors = check(source([{ name: 'base', json: base }])).length;
      for (const [what, change] of variants) {
        const d = JSON.parse(JSON.stringify(base));
        change(d);
        const errors = check(source([{ name: what, json: d }]));
        expect({ what, newErrors: errors.length > baseErrors }).toEqual({ what, newErrors: true });
      }
    },
    120_000,
  );
});
