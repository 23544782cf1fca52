import { DB_GROWTH, DB_SIZE, TABLE_BYTES } from '../../../charts';
import { postgresRuleGroups } from '../../../charts/observability/rules/postgres-rules';
import { envMap, one, synth } from '../../util';
import { FULL } from '../tools';
import { OPTIONS, WATCHED, alerts } from './context';

describe('PostgreSQL rules', () => {
  const objs = synth(FULL);

  test("database growth: recording rules first, then the alerts built on them, all scoped to the exporter and Prefect's database", () => {
    const group = one(objs, 'PrometheusRule').spec.groups.find((g: any) => g.name === 'prefect.database-growth');
    expect(group.rules.map((r: any) => r.record ?? r.alert)).toEqual([
      'prefect:pg_database_size_bytes',
      'prefect:pg_database_growth_bytes_per_day',
      'prefect:pg_table_total_bytes',
      'PrefectDatabaseLarge',
      'PrefectDatabaseGrowingFast',
      'PrefectRetentionNotKeepingUp',
    ]);
    const [size, growth, tables] = group.rules;
    expect(size.expr).toContain('pg_database_size_bytes{namespace="prefect",job="prefect-postgres",datname="prefect"}');
    expect(growth.expr).toMatch(/^deriv\(prefect:pg_database_size_bytes\{[^}]*\}\[6h\]\) \* 86400$/);
    expect(tables.expr).toContain('pg_stat_user_tables_index_size_bytes{namespace="prefect",job="prefect-postgres",datname="prefect"}');
    // Default volume 20Gi × 0.8.
    expect(group.rules[3].expr).toMatch(new RegExp(`> ${Math.floor(20 * 2 ** 30 * 0.8)}$`));
    expect(group.rules[3].annotations.description).toContain('80 % of the 20 GiB PostgreSQL volume (16 GiB)');
    expect(group.rules[5].expr).toContain('relname=~"events|event_resources|log"');
  });
  test('database growth follows the stack: volume size, database name and thresholds', () => {
    const o = synth({
      database: { inCluster: { database: 'prefect_db', storage: { size: '50Gi' } } },
      monitoring: { rules: { databaseSizeRatio: 0.9, databaseGrowthPerDayRatio: 0.5, retentionTableGrowthRatio: 2 } },
    });
    const rules = Object.fromEntries(one(o, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.map((r: any) => [r.alert ?? r.record, r])));
    expect(rules['prefect:pg_database_size_bytes'].expr).toContain('datname="prefect_db"');
    expect(rules['prefect:pg_table_total_bytes'].expr).toContain('datname="prefect_db"');
    expect(rules.PrefectDatabaseLarge.expr).toMatch(new RegExp(`> ${Math.floor(50 * 2 ** 30 * 0.9)}$`));
    expect(rules.PrefectDatabaseGrowingFast.expr).toContain('> 0.5 * prefect:pg_database_size_bytes');
    expect(rules.PrefectRetentionNotKeepingUp.expr).toContain('> 2 * (prefect:pg_table_total_bytes');
    // The exporter connects to that database: stat_user_tables reports only the tables of its own database.
    const exporter = one(o, 'StatefulSet', 'prefect-postgres').spec.template.spec.containers.find((c: any) => c.name === 'exporter');
    expect(envMap(exporter).DATA_SOURCE_NAME).toContain(' dbname=prefect_db ');
    const panels = JSON.parse(one(o, 'ConfigMap', 'prefect-dashboard-postgres').data['prefect-postgres.json']).panels;
    const size = panels.find((p: any) => p.title === 'Prefect database size');
    expect(size.targets.map((t: any) => t.expr)).toEqual([
      'max by (datname) (pg_database_size_bytes{namespace="prefect",job="prefect-postgres",datname="prefect_db"})',
      `vector(${50 * 2 ** 30})`,
    ]);
  });
});

describe('postgresRuleGroups', () => {
  test('the server group needs the in-cluster PostgreSQL; the growth group also needs the database name', () => {
    expect(postgresRuleGroups({ ...WATCHED, postgresJob: undefined }, OPTIONS)).toEqual([]);
    expect(postgresRuleGroups({ ...WATCHED, database: undefined }, OPTIONS).map((g) => g.name)).toEqual(['prefect.postgres']);
    expect(postgresRuleGroups(WATCHED, OPTIONS).map((g) => g.name)).toEqual(['prefect.postgres', 'prefect.database-growth']);
  });

  test('without a known volume size there is nothing to compare the size to: the growth alerts stay, PrefectDatabaseLarge goes', () => {
    const growth = postgresRuleGroups({ ...WATCHED, databaseVolumeBytes: undefined }, OPTIONS)[1];
    expect(alerts([growth])).toEqual(['PrefectDatabaseGrowingFast', 'PrefectRetentionNotKeepingUp']);
    expect(growth.records!.map((r) => r.record)).toEqual([DB_SIZE, DB_GROWTH, TABLE_BYTES]);
  });
});
