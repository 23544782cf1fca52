/**
 * Database and Redis growth settings (prefect.retention): their env on the server pods, bad input, and the pinned
 * Prefect 3.9.1 (test/worker/prefect-venv.sh) reading the synthesized values back as intended.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { MINIMAL, Obj, envMap, expectConfigError, one, synth } from '../util';

const api = (objs: Obj[]) => one(objs, 'Deployment', 'prefect-api').spec.template.spec.containers[0];
const services = (objs: Obj[]) => one(objs, 'Deployment', 'prefect-background-services').spec.template.spec.containers[0];
const migrate = (objs: Obj[]) => objs.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('prefect-migrate-'))!.spec.template.spec.containers[0];

describe('prefect.retention', () => {
  test('production defaults on the API and services: events 7 d, heartbeats 1 d, flow runs 90 d, Redis trimming', () => {
    const objs = synth();
    for (const c of [api(objs), services(objs)]) {
      expect(envMap(c)).toMatchObject({
        PREFECT_SERVER_EVENTS_RETENTION_PERIOD: 'P7D',
        PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: 'events,flow_runs',
        PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD: String(90 * 86400),
        PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS: '3600',
        PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE: '200',
        PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES: '{"prefect.flow-run.heartbeat":86400}',
        PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_EVERY: '60',
        PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_IDLE_THRESHOLD: '300',
      });
    }
    // The migration is a one-shot: no growth settings there.
    expect(Object.keys(envMap(migrate(objs))).filter((k) => /RETENTION|VACUUM|TRIM/.test(k))).toEqual([]);
  });

  test('every setting follows its key; flow-run deletion can be turned off', () => {
    const env = envMap(
      services(
        synth({
          ...MINIMAL,
          prefect: {
            retention: {
              eventsDays: 14,
              heartbeatEventsDays: 2,
              flowRuns: false,
              flowRunsDays: 30,
              vacuumIntervalSeconds: 900,
              vacuumBatchSize: 500,
              redisTrimEverySeconds: 30,
              redisTrimIdleThresholdSeconds: 600,
            },
          },
        }),
      ),
    );
    expect(env).toMatchObject({
      PREFECT_SERVER_EVENTS_RETENTION_PERIOD: 'P14D',
      PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: 'events',
      PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD: String(30 * 86400),
      PREFECT_SERVER_SERVICES_DB_VACUUM_LOOP_SECONDS: '900',
      PREFECT_SERVER_SERVICES_DB_VACUUM_BATCH_SIZE: '500',
      PREFECT_SERVER_SERVICES_DB_VACUUM_EVENT_RETENTION_OVERRIDES: '{"prefect.flow-run.heartbeat":172800}',
      PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_EVERY: '30',
      PREFECT_REDIS_MESSAGING_CONSUMER_TRIM_IDLE_THRESHOLD: '600',
    });
  });

  describe('bad input', () => {
    const r = (retention: object) => () => synth({ ...MINIMAL, prefect: { retention } });
    test('a retention of zero', () => {
      expectConfigError(r({ eventsDays: 0 }), 'prefect.retention.eventsDays', /is 0: the vacuum service would delete every row/);
      expectConfigError(r({ flowRunsDays: 0 }), 'prefect.retention.flowRunsDays', /is 0/);
      expectConfigError(r({ heartbeatEventsDays: 0 }), 'prefect.retention.heartbeatEventsDays', /is 0/);
    });
    test('other values', () => {
      expectConfigError(r({ eventsDays: 2.5 }), 'prefect.retention.eventsDays', /whole number/);
      expectConfigError(r({ eventsDays: 3, heartbeatEventsDays: 5 }), 'prefect.retention.heartbeatEventsDays', /above eventsDays/);
      expectConfigError(r({ flowRuns: 'yes' }), 'prefect.retention.flowRuns', /true or false/);
      expectConfigError(r({ vacuumIntervalSeconds: 10 }), 'prefect.retention.vacuumIntervalSeconds');
      expectConfigError(
        () => synth({ ...MINIMAL, prefect: { extraEnv: { PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED: 'true' } } }),
        'prefect.extraEnv.PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED',
        /managed/,
      );
    });
  });

  test('Prefect 3.9.1 and prefect-redis read the synthesized values as meant', () => {
    const venv = execFileSync('bash', [path.resolve(__dirname, '../worker/prefect-venv.sh')], {
      encoding: 'utf8',
      timeout: 900_000,
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const env: Record<string, string> = {};
    for (const e of services(synth({ ...MINIMAL, prefect: { retention: { eventsDays: 10, heartbeatEventsDays: 2, flowRunsDays: 45 } } })).env) {
      if (e.value !== undefined && /^PREFECT_(SERVER_EVENTS_RETENTION|SERVER_SERVICES_DB_VACUUM|REDIS_MESSAGING_CONSUMER)/.test(e.name)) env[e.name] = e.value;
    }
    expect(Object.keys(env)).toHaveLength(8);
    const code = `import json
from prefect.settings import get_current_settings
from prefect_redis.messaging import RedisMessagingConsumerSettings
s = get_current_settings().server
v = s.services.db_vacuum
c = RedisMessagingConsumerSettings()
print(json.dumps({
  "events": s.events.retention_period.total_seconds(),
  "vacuum_types": sorted(v.enabled_vacuum_types),
  "flow_runs": v.retention_period.total_seconds(),
  "loop": v.loop_seconds, "batch": v.batch_size,
  "overrides": {k: d.total_seconds() for k, d in v.event_retention_overrides.items()},
  "trim_every": c.trim_every.total_seconds(), "trim_idle": c.trim_idle_threshold.total_seconds(),
}))`;
    const out = execFileSync(`${venv}/bin/python`, ['-c', code], { env: { PATH: `${venv}/bin:/usr/bin:/bin`, HOME: '/tmp', ...env }, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      events: 10 * 86400,
      vacuum_types: ['events', 'flow_runs', 'orphans'],
      flow_runs: 45 * 86400,
      loop: 3600,
      batch: 200,
      overrides: { 'prefect.flow-run.heartbeat': 2 * 86400 },
      trim_every: 60,
      trim_idle: 300,
    });
  }, 900_000);
});
