import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { PrefectStackProps, dashboardQueries, dashboardSpecs, loadConfig } from '../../charts';
import { Obj, synth } from '../util';
import { knownMetricNames } from './known-metrics';
import { RULE_CASES, seriesSelector } from './rule-cases';
import { EXTERNAL, FULL, PROMTOOL, PROMTOOL_V3, promqlParser, removeTmpDirs, ruleFileOf, run, tmpDir, withTool } from './tools';

afterAll(removeTmpDirs);

/** Configurations whose rules, dashboards and Prometheus configuration must pass the tools. */
const CONFIGS: Array<[string, PrefectStackProps]> = [
  ['in-cluster data, exporter, bundled', FULL],
  ['external data', EXTERNAL],
  ['CloudNativePG', { ...FULL, database: { cloudNativePG: {} } }],
  ['prefect-stack.yaml', loadConfig(path.join(__dirname, '..', '..', 'prefect-stack.yaml'))],
  [
    'auth on, ingress metrics off, thresholds changed',
    {
      prefect: { authSecret: { name: 'prefect-auth', key: 'auth-string' } },
      monitoring: {
        prefectBasicAuthSecret: { name: 'prefect-metrics-auth' },
        ingressMetrics: { enabled: false },
        rules: { postgresConnectionsRatio: 0.7, streamBacklog: 50, labels: { team: 'data' } },
        bundled: {
          prometheus: {
            enabled: true,
            additionalScrapeConfigs: [{ job_name: 'kube-state-metrics', static_configs: [{ targets: ['kube-state-metrics.kube-system:8080'] }] }],
            additionalScrapeEgress: [{ namespace: 'kube-system', ports: [8080] }],
          },
        },
      },
    },
  ],
];

const tools: Array<[string, string | undefined]> = [
  ['promtool 2.42 (Debian)', PROMTOOL],
  ['promtool 3.7.3', PROMTOOL_V3],
];

/** The dashboards' JSON of a synthesized stack. */
function dashboardsOf(objs: Obj[]): Array<{ name: string; json: any }> {
  return objs
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')
    .flatMap((o) => Object.entries(o.data as Record<string, string>).map(([name, text]) => ({ name, json: JSON.parse(text) })));
}

/** Panel queries with Grafana's interval variables replaced by what Grafana would put there. */
function panelExprs(objs: Obj[]): Array<{ where: string; expr: string }> {
  return dashboardsOf(objs).flatMap((d) =>
    d.json.panels.flatMap((p: any) =>
      (p.targets ?? []).map((t: any) => ({
        where: `${d.name} / ${p.title}`,
        expr: t.expr.replace(/\$__rate_interval|\$__interval/g, '5m'),
      })),
    ),
  );
}

/** Expressions of the alerting and recording rules (`where` names the alert, or the recorded series). */
function ruleExprs(objs: Obj[]): Array<{ where: string; expr: string; alert?: string; record?: string }> {
  const rule = objs.find((o) => o.kind === 'PrometheusRule');
  return rule
    ? rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr, alert: r.alert, record: r.record })))
    : [];
}

describe.each(tools)('%s', (_label, bin) => {
  const it = withTool(bin, 'promtool');

  describe.each(CONFIGS)('configuration "%s"', (_name, props) => {
    const objs = synth(props);

    it('check rules: every emitted rule group is valid', () => {
      const dir = tmpDir();
      fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify(ruleFileOf(objs)));
      const r = run(bin!, ['check', 'rules', 'rules.yaml'], dir);
      expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.status).toBe(0);
    });

    it('every dashboard query parses as PromQL (each checked as a recording rule)', () => {
      const exprs = panelExprs(objs);
      expect(exprs.length).toBeGreaterThan(5);
      const dir = tmpDir();
      const file = { groups: [{ name: 'dashboard-queries', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })) }] };
      fs.writeFileSync(path.join(dir, 'queries.yaml'), stringify(file));
      const r = run(bin!, ['check', 'rules', 'queries.yaml'], dir);
      expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status).toBe(0);
    });
  });

  describe('promtool test rules: each alert fires when it should and stays silent when it should not', () => {
    // FULL's groups, and those only the CloudNativePG mode has
    const full = ruleFileOf(synth(FULL)).groups;
    const names = new Set(full.map((g: any) => g.name));
    const groups = [...full, ...ruleFileOf(synth({ ...FULL, database: { cloudNativePG: {} } })).groups.filter((g: any) => !names.has(g.name))];
    // Annotations are templated text; the cases assert labels. Annotation rendering has its own test below.
    const stripped = { groups: groups.map((g: any) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }: any) => r) })) };
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'rules.yaml'), stringify(stripped));
    const severity = new Map<string, string>(groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert).map((r: any) => [r.alert, r.labels.severity])));

    it.each(RULE_CASES.map((c, i) => [`${c.alert} ${c.name}`, i]))('%s', (_t, i) => {
      const c = RULE_CASES[i as number];
      expect(severity.has(c.alert)).toBe(true);
      const test = {
        rule_files: ['rules.yaml'],
        evaluation_interval: c.interval ?? '1m',
        tests: [
          {
            interval: c.interval ?? '1m',
            input_series: c.series.map(([name, labels, values]) => ({ series: seriesSelector(name, labels), values })),
            alert_rule_test: [
              {
                eval_time: c.at,
                alertname: c.alert,
                exp_alerts: c.fires.map((labels) => ({ exp_labels: { ...labels, severity: severity.get(c.alert) } })),
              },
            ],
          },
        ],
      };
      const file = `case-${i}.yaml`;
      fs.writeFileSync(path.join(dir, file), stringify(test));
      const r = run(bin!, ['test', 'rules', file], dir);
      if (r.status !== 0) throw new Error(`promtool test rules failed for ${c.alert} (${c.name}):\n${r.output}`);
      expect(r.output).toContain('SUCCESS');
    });

    it('annotations render: summary with the value, description with the threshold, runbook URL', () => {
      const test = {
        rule_files: ['full.yaml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              { series: 'pg_stat_activity_count{namespace="prefect",job="prefect-postgres",pod="prefect-postgres-0",state="active"}', values: '90x10' },
              { series: 'pg_settings_max_connections{namespace="prefect",job="prefect-postgres",pod="prefect-postgres-0"}', values: '100x10' },
              { series: 'pg_settings_superuser_reserved_connections{namespace="prefect",job="prefect-postgres",pod="prefect-postgres-0"}', values: '3x10' },
            ],
            alert_rule_test: [
              {
                eval_time: '8m',
                alertname: 'PrefectPostgresConnectionsNearLimit',
                exp_alerts: [
                  {
                    exp_labels: { namespace: 'prefect', job: 'prefect-postgres', severity: 'warning' },
                    exp_annotations: {
                      summary: 'PostgreSQL connections of prefect are 92.78% of the usable limit',
                      description:
                        'More than 80 % of max_connections (minus reserved connections) are open for 5 minutes. New Prefect pods (a rollout\'s surge, the autoscaler) will fail with "too many clients".',
                      runbook_url: 'https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/docs/alerts.md#prefectpostgresconnectionsnearlimit',
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      fs.writeFileSync(path.join(dir, 'full.yaml'), stringify({ groups }));
      fs.writeFileSync(path.join(dir, 'annotations-test.yaml'), stringify(test));
      const r = run(bin!, ['test', 'rules', 'annotations-test.yaml'], dir);
      if (r.status !== 0) throw new Error(r.output);
    });

    it('database-size annotations render the size in binary units and the volume threshold', () => {
      const test = {
        rule_files: ['full-db.yaml'],
        evaluation_interval: '5m',
        tests: [
          {
            interval: '5m',
            input_series: [
              {
                series: 'pg_database_size_bytes{namespace="prefect",job="prefect-postgres",pod="prefect-postgres-0",datname="prefect"}',
                values: `${18 * 2 ** 30}x20`,
              },
            ],
            alert_rule_test: [
              {
                eval_time: '60m',
                alertname: 'PrefectDatabaseLarge',
                exp_alerts: [
                  {
                    exp_labels: { namespace: 'prefect', job: 'prefect-postgres', datname: 'prefect', severity: 'warning' },
                    exp_annotations: {
                      summary: 'Prefect database prefect is 18GiB, over 80 % of its volume',
                      description:
                        'The Prefect database has been larger than 80 % of the 20 GiB PostgreSQL volume (16 GiB) for 30 minutes. When the volume fills, PostgreSQL stops accepting writes and Prefect stops.',
                      runbook_url: 'https://github.com/cdk8s-prefect-stack/cdk8s-prefect-stack/blob/main/docs/alerts.md#prefectdatabaselarge',
                    },
                  },
                ],
              },
            ],
          },
        ],
      };
      fs.writeFileSync(path.join(dir, 'full-db.yaml'), stringify({ groups }));
      fs.writeFileSync(path.join(dir, 'annotations-db-test.yaml'), stringify(test));
      const r = run(bin!, ['test', 'rules', 'annotations-db-test.yaml'], dir);
      if (r.status !== 0) throw new Error(r.output);
    });
  });
});

describe('unit-test coverage', () => {
  it('every emitted alert has a case that fires and a case that stays silent', () => {
    const alerts = ruleExprs(synth(FULL)).flatMap((e) => (e.alert ? [e.alert] : []));
    expect(alerts.length).toBeGreaterThanOrEqual(17);
    for (const a of alerts) {
      const cases = RULE_CASES.filter((c) => c.alert === a);
      expect({ alert: a, fires: cases.some((c) => c.fires.length > 0), silent: cases.some((c) => c.fires.length === 0) }).toEqual({
        alert: a,
        fires: true,
        silent: true,
      });
    }
  });
});

describe('metric names', () => {
  const parser = promqlParser();
  const it = withTool(parser, 'the lezer PromQL parser (test/observability/tools)');
  const known = knownMetricNames();

  /** Metric names of the vector selectors of a PromQL expression, failing on syntax errors. */
  function metricNames(expr: string): string[] {
    const tree = parser.parse(expr);
    const names: string[] = [];
    let error: number | undefined;
    tree.iterate({
      enter(n: any) {
        if (n.type.isError) error = n.from;
        if (n.name === 'LabelName' && expr.slice(n.from, n.to) === '__name__') throw new Error(`__name__ matcher in ${expr}: name metrics explicitly`);
        if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') names.push(expr.slice(n.from, n.to));
      },
    });
    if (error !== undefined) throw new Error(`PromQL syntax error at ${error} in: ${expr}`);
    return names;
  }

  it('the extractor finds names in selectors, functions and binary expressions, not in labels or functions', () => {
    expect(metricNames('sum by (le) (rate(a_bucket{x="y"}[5m])) / on (job) group_left b > 3 and absent(c offset 5m)')).toEqual(['a_bucket', 'b', 'c']);
    expect(() => metricNames('sum(rate(a[5m])')).toThrow(/syntax error/);
  });

  it.each(CONFIGS)('every metric of every rule and panel of "%s" is produced by an emitted exporter or a documented cluster component', (_n, props) => {
    const objs = synth(props);
    const unknown: string[] = [];
    const rules = ruleExprs(objs);
    // Series the stack's own recording rules produce are known where those rules are emitted.
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    const exprs = [...rules, ...panelExprs(objs)];
    expect(exprs.length).toBeGreaterThan(5);
    for (const e of exprs) {
      const names = metricNames(e.expr);
      if (!/vector\(|time\(\)/.test(e.expr)) expect(names.length).toBeGreaterThan(0);
      for (const n of names) if (!known.has(n) && !recorded.has(n)) unknown.push(`${n} (${e.where})`);
    }
    expect(unknown).toEqual([]);
  });

  it('a dashboard spec never uses an unknown metric either (checked on the specs, independent of JSON generation)', () => {
    const objs = synth(FULL);
    expect(dashboardsOf(objs).length).toBe(5);
    const specs = dashboardSpecs({
      instance: 'x',
      namespace: 'y',
      apiDeployment: 'x-api',
      apiService: 'x-api',
      apiJob: 'x-api',
      backgroundDeployment: 'x-bg',
      postgresJob: 'x-postgres',
      database: 'x',
      databaseVolumeBytes: 2 ** 30,
      redisJob: 'x-redis',
      exporterJob: 'x-exp',
      backupCronJob: 'x-backup',
      ingress: { namespaceLabel: 'namespace', serviceLabel: 'service' },
    });
    for (const d of specs)
      for (const q of dashboardQueries(d))
        for (const n of metricNames(q.expr.replace(/\$__rate_interval/g, '5m'))) expect(known.has(n) ? n : `unknown ${n}`).toBe(n);
  });
});

describe('bundled Prometheus configuration', () => {
  const it = withTool(PROMTOOL_V3, "promtool 3.7.3 (Debian's promtool has no Kubernetes service discovery)");

  it.each(CONFIGS.filter(([, p]) => p.monitoring?.bundled?.prometheus?.enabled))('promtool check config passes for "%s"', (_n, props) => {
    const objs = synth(props);
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-prometheus-config'))!;
    const dir = tmpDir();
    // The rule file and the basic-auth files are where the pod mounts them; point them into the test directory.
    let config: string = cm.data['prometheus.yml'];
    const cfg = parse(config);
    for (const sc of cfg.scrape_configs) {
      for (const k of ['username_file', 'password_file']) {
        if (sc.basic_auth?.[k]) {
          const local = path.join(dir, 'secrets', sc.basic_auth[k].replace(/^\//, ''));
          fs.mkdirSync(path.dirname(local), { recursive: true });
          fs.writeFileSync(local, 'x');
          config = config.split(sc.basic_auth[k]).join(local);
        }
      }
    }
    config = config.split(cfg.rule_files[0]).join(path.join(dir, 'rules.yaml'));
    fs.writeFileSync(path.join(dir, 'rules.yaml'), cm.data['rules.yaml']);
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    const r = run(PROMTOOL_V3!, ['check', 'config', 'prometheus.yml'], dir);
    if (r.status !== 0) throw new Error(r.output);
    expect(r.output).toMatch(/SUCCESS: prometheus.yml is valid prometheus config file syntax/);
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool check config rejects a broken configuration (the check can fail)', () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'bad.yml'),
      stringify({
        scrape_configs: [
          {
            job_name: 'x',
            kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['p'] } }],
            relabel_configs: [{ action: 'keep', regex: '(' }],
          },
        ],
      }),
    );
    const r = run(PROMTOOL_V3!, ['check', 'config', 'bad.yml'], dir);
    expect(r.status).not.toBe(0);
  });
});
