import { dashboardJson, dashboardSpecs } from '../../charts';
import { one, synth, withMonitoring } from '../util';
import { FULL } from './tools';

describe('dashboards', () => {
  const objs = synth(FULL);

  test('with rules off the growth panels remain (they query the exporter, not the recording rules)', () => {
    const o = withMonitoring({ rules: { enabled: false } });
    const titles = JSON.parse(one(o, 'ConfigMap', 'prefect-dashboard-postgres').data['prefect-postgres.json']).panels.map((p: any) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Prefect database size',
        'Growth per day (slope over 6 h)',
        'Largest tables (with indexes and TOAST)',
        'Dead rows (before autovacuum reclaims them)',
      ]),
    );
    for (const p of JSON.parse(one(o, 'ConfigMap', 'prefect-dashboard-postgres').data['prefect-postgres.json']).panels) {
      for (const t of p.targets ?? []) expect(t.expr).not.toContain('prefect:');
    }
  });
  test('dashboards query through a datasource variable, never a hard-coded datasource UID', () => {
    for (const cm of objs.filter((o) => o.metadata.labels?.grafana_dashboard === '1')) {
      const d = JSON.parse(Object.values(cm.data as Record<string, string>)[0]);
      expect(d.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      const uids = new Set<string>();
      JSON.stringify(d, (k, v) => {
        if (k === 'datasource' && v && typeof v === 'object') uids.add(v.uid);
        return v;
      });
      expect([...uids]).toEqual(['${datasource}']);
      expect(d.uid).toMatch(/^prefect-/);
      for (const p of d.panels.filter((x: any) => x.type !== 'row')) expect(p.targets.length).toBeGreaterThan(0);
    }
  });
  test('the overview shows API traffic, latency and errors, replicas and restarts', () => {
    const d = JSON.parse(one(objs, 'ConfigMap', 'prefect-dashboard-overview').data['prefect-overview.json']);
    const titles = d.panels.map((p: any) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Requests per second by status',
        'Latency (websocket upgrades excluded)',
        '5xx ratio',
        'API replicas',
        'Container restarts (1 h)',
      ]),
    );
    // Panels never overlap on Grafana's 24-column grid.
    const cells = new Set<string>();
    for (const p of d.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });
});

describe('dashboardSpecs and dashboardJson', () => {
  const ctx = {
    instance: 'prefect',
    namespace: 'prefect',
    apiDeployment: 'prefect-api',
    apiService: 'prefect-api',
    apiJob: 'prefect-api',
    backgroundDeployment: 'prefect-background-services',
  };

  test("each component's dashboard only when the stack runs it; the overview always", () => {
    expect(dashboardSpecs(ctx).map((d) => d.key)).toEqual(['overview']);
    const all = dashboardSpecs({ ...ctx, postgresJob: 'p', database: 'prefect', redisJob: 'r', exporterJob: 'e', backupCronJob: 'b' });
    expect(all.map((d) => d.key)).toEqual(['overview', 'postgres', 'redis', 'flow-runs', 'backups']);
    // Without ingress metrics the overview has no traffic panels.
    const titles = (c: object) => dashboardSpecs({ ...ctx, ...c })[0].panels.map((p) => ('row' in p ? p.row : p.title));
    expect(titles({})).not.toContain('5xx ratio');
    expect(titles({ ingress: { namespaceLabel: 'exported_namespace', serviceLabel: 'exported_service' } })).toContain('5xx ratio');
  });

  test('the layout: panels fill 24 columns left to right, wrap when the next does not fit, and a row starts below the tallest panel', () => {
    const q = [{ expr: 'up' }];
    const d = dashboardJson({
      key: 'k',
      uid: 'prefect-k',
      title: 't',
      tags: [],
      panels: [
        { title: 'a', queries: q },
        { title: 'b', queries: q, width: 8, type: 'stat' },
        { title: 'c', queries: q, width: 8 },
        { row: 'second' },
        { title: 'd', queries: q, width: 24 },
      ],
    } as any) as any;
    expect(d.panels.map((p: any) => [p.title, p.gridPos])).toEqual([
      ['a', { x: 0, y: 0, w: 12, h: 8 }],
      ['b', { x: 12, y: 0, w: 8, h: 5 }],
      ['c', { x: 0, y: 8, w: 8, h: 8 }],
      ['second', { x: 0, y: 16, w: 24, h: 1 }],
      ['d', { x: 0, y: 17, w: 24, h: 8 }],
    ]);
    expect(d.panels.map((p: any) => p.id)).toEqual([1, 2, 3, 4, 5]);
    expect(d.panels[1].options.reduceOptions).toBeDefined();
    expect(d.panels[0].targets[0]).toMatchObject({ refId: 'A', expr: 'up', legendFormat: '__auto', datasource: { uid: '${datasource}' } });
  });

  test('uids stay within the 40 characters Grafana allows', () => {
    for (const d of dashboardSpecs({ ...ctx, instance: 'a-very-long-instance-name-for-prefect', postgresJob: 'p', database: 'x' }))
      expect(d.uid.length).toBeLessThanOrEqual(40);
  });
});
