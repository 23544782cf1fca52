import * as k8s from '../../imports/k8s';
import { frontendComponent } from '../common/labels';
import { ObjectNames } from '../common/names';
import { ResolvedPod, SchedulingOptions, resolvePod } from '../common/pod-options';
import { ResourceDefaults, resolveResources } from '../common/resources';
import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { checkDnsSubdomain, checkInt, checkQuantity, fail } from '../common/validate';
import { ResolvedEdge } from '../edge/resolve-edge';
import { EdgeRoute, adminRoute } from '../edge/routes';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';
import { AdminProps, PgAdminOptions, RedisUiOptions } from './options';

/** pgAdmin's HTTP port: unprivileged, so the container needs no capability. */
export const PGADMIN_PORT = 8080;
/** redis-commander's port (the seed's ARDM port). */
export const REDIS_COMMANDER_PORT = 8081;
/** RedisInsight's port. */
export const REDIS_INSIGHT_PORT = 5540;

const PGADMIN_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '256Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '768Mi' } };
const REDIS_COMMANDER_RESOURCES: ResourceDefaults = {
  requests: { cpu: '20m', memory: '64Mi', ephemeralStorage: '32Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
};
const REDIS_INSIGHT_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '256Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '1Gi' } };

/** An admin UI's workload, resolved. */
export interface ResolvedAdminUi {
  /** Name of the Deployment and the Service. */
  readonly name: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly port: number;
  readonly resources: k8s.ResourceRequirements;
  /** The route at the edge when exposed. */
  readonly route?: EdgeRoute;
  /** The path prefix it is served under (`''` at the root of its host). */
  readonly path: string;
  readonly pod: ResolvedPod;
}

/** `admin.pgadmin` resolved. */
export interface ResolvedPgAdmin extends ResolvedAdminUi {
  readonly email: string;
  readonly passwordSecret: SecretKeyRef;
  /** The pre-registered server (servers.json). */
  readonly server: { readonly host: string; readonly port: number; readonly maintenanceDb: string; readonly username: string; readonly sslMode: string };
  readonly claimName: string;
  readonly storage: string;
  readonly storageClassName?: string;
  /** The database it administers, for the flow. */
  readonly database: DatabaseConnection;
}

/** `admin.redisUi` resolved. */
export interface ResolvedRedisUi extends ResolvedAdminUi {
  readonly kind: 'redis-commander' | 'redisinsight';
  readonly httpAuth?: { readonly user: string; readonly passwordSecret: SecretKeyRef };
  readonly readOnly: boolean;
  readonly redis: RedisConnection;
}

/** What the admin UIs are resolved with. */
export interface AdminContext {
  readonly names: ObjectNames;
  readonly scheduling: SchedulingOptions;
  readonly edge: ResolvedEdge;
  readonly database: DatabaseConnection;
  readonly redis: RedisConnection;
}

function pathOf(expose: { path?: string } | undefined): string {
  return expose?.path && expose.path !== '/' ? expose.path : '';
}

function resolvePgAdmin(o: PgAdminOptions, ctx: AdminContext): ResolvedPgAdmin {
  const f = 'admin.pgadmin';
  if (typeof o.email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(o.email)) {
    fail(`${f}.email`, `"${o.email}" is not an e-mail address`, 'pgAdmin logs in with an e-mail address, e.g. admin@example.com');
  }
  const s = o.server ?? {};
  const host = s.host ?? ctx.database.host;
  if (!host) fail(`${f}.server.host`, 'is missing (the database is given as a whole URL)', 'name the PostgreSQL host pgAdmin registers');
  checkDnsSubdomain(`${f}.server.host`, host);
  const { name, podSelector, labels } = frontendComponent(ctx.names, 'pgadmin', 'pgadmin');
  return {
    name,
    serviceAccountName: name,
    podSelector,
    labels,
    port: PGADMIN_PORT,
    resources: resolveResources(`${f}.resources`, o.resources, PGADMIN_RESOURCES),
    route:
      o.expose &&
      adminRoute(f, ctx.edge, o.expose, {
        id: 'pgadmin',
        serviceName: name,
        servicePort: PGADMIN_PORT,
        podSelector,
        labels,
        why: 'the edge serves pgAdmin',
        ownAuth: true,
        pathSupported: true,
      }),
    path: pathOf(o.expose),
    pod: resolvePod(f, ctx.scheduling, o),
    email: o.email,
    passwordSecret: checkSecretKeyRef(`${f}.passwordSecret`, o.passwordSecret),
    server: {
      host,
      port: checkInt(`${f}.server.port`, s.port ?? ctx.database.port ?? 5432, 1, 65535),
      maintenanceDb: s.maintenanceDb ?? ctx.database.database ?? 'postgres',
      username: s.username ?? 'prefect',
      sslMode: s.sslMode ?? 'prefer',
    },
    claimName: `${name}-data`,
    storage: checkQuantity(`${f}.storage`, o.storage ?? '1Gi'),
    storageClassName: o.storageClassName === undefined ? undefined : checkDnsSubdomain(`${f}.storageClassName`, o.storageClassName),
    database: ctx.database,
  };
}

function resolveRedisUi(o: RedisUiOptions, ctx: AdminContext): ResolvedRedisUi {
  const f = 'admin.redisUi';
  const kind = o.kind ?? 'redis-commander';
  if (!['redis-commander', 'redisinsight'].includes(kind)) fail(`${f}.kind`, `"${kind}" is not a supported UI`, 'use redis-commander or redisinsight');
  if (ctx.redis.sentinel)
    fail(
      f,
      'cannot browse a Sentinel group yet',
      'remove admin.redisUi with redis.external.sentinel (browse the primary with redis-cli, or run a UI beside the group)',
    );
  const insight = kind === 'redisinsight';
  if (insight && o.httpAuth)
    fail(
      `${f}.httpAuth`,
      'is a redis-commander setting; RedisInsight has no login',
      'remove it and put auth at the edge (expose.basicAuthSecret or expose.authFilter)',
    );
  if (insight && o.readOnly) fail(`${f}.readOnly`, 'is a redis-commander setting', 'remove it');
  if (o.httpAuth) {
    if (typeof o.httpAuth.user !== 'string' || !/^[^:\s]{1,64}$/.test(o.httpAuth.user))
      fail(`${f}.httpAuth.user`, `"${o.httpAuth.user}" is not a user name`, 'use 1-64 characters without spaces or ":"');
    checkSecretKeyRef(`${f}.httpAuth.passwordSecret`, o.httpAuth.passwordSecret);
  }
  const port = insight ? REDIS_INSIGHT_PORT : REDIS_COMMANDER_PORT;
  const { name, podSelector, labels } = frontendComponent(ctx.names, kind, 'redis-ui');
  return {
    kind,
    name,
    serviceAccountName: name,
    podSelector,
    labels,
    port,
    resources: resolveResources(`${f}.resources`, o.resources, insight ? REDIS_INSIGHT_RESOURCES : REDIS_COMMANDER_RESOURCES),
    route:
      o.expose &&
      adminRoute(f, ctx.edge, o.expose, {
        id: 'redis-ui',
        serviceName: name,
        servicePort: port,
        podSelector,
        labels,
        why: 'the edge serves the Redis UI',
        ownAuth: Boolean(o.httpAuth),
        pathSupported: !insight,
      }),
    path: pathOf(o.expose),
    pod: resolvePod(f, ctx.scheduling, o),
    httpAuth: o.httpAuth,
    readOnly: o.readOnly ?? false,
    redis: ctx.redis,
  };
}

/** The admin UIs resolved: each present when its section is. */
export interface ResolvedAdmin {
  readonly pgadmin?: ResolvedPgAdmin;
  readonly redisUi?: ResolvedRedisUi;
}

/** Applies the defaults of `admin:` once and checks every value. */
export function resolveAdmin(o: AdminProps = {}, ctx: AdminContext): ResolvedAdmin {
  return {
    pgadmin: o.pgadmin && resolvePgAdmin(o.pgadmin, ctx),
    redisUi: o.redisUi && resolveRedisUi(o.redisUi, ctx),
  };
}
