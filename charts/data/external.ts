import { checkSecretKeyRef } from '../common/secrets';
import { checkHostname, checkInt, checkDnsSubdomain, fail } from '../common/validate';
import { FlowPeer } from '../network/flow';
import { DatabaseConnection, RedisConnection, RedisSentinelConnection } from '../prefect/connections';
import { ExternalDatabaseProps, ExternalRedisProps } from './options';

/** Turns `database.external` into the handle the Prefect tier takes. */
export function externalDatabase(p: ExternalDatabaseProps): Omit<DatabaseConnection, 'endpoint'> {
  const field = 'database.external';
  const partKeys = ['host', 'hostSecret', 'port', 'portSecret', 'database', 'databaseSecret', 'user', 'userSecret', 'passwordSecret'] as const;
  const given = partKeys.filter((k) => p[k] !== undefined);
  if (p.urlSecret) {
    if (given.length) fail(field, `has both urlSecret and ${given.join(', ')}`, 'give the whole URL in urlSecret, or the parts, not both');
    return { urlSecret: checkSecretKeyRef(`${field}.urlSecret`, p.urlSecret) };
  }
  for (const k of ['host', 'port', 'database', 'user'] as const) {
    if (p[k] !== undefined && p[`${k}Secret`] !== undefined)
      fail(`${field}.${k}`, `is given twice (${k} and ${k}Secret)`, `keep one: the literal ${k} or the Secret key ${k}Secret`);
  }
  const secret = (k: 'hostSecret' | 'portSecret' | 'databaseSecret' | 'userSecret' | 'passwordSecret') => p[k] && checkSecretKeyRef(`${field}.${k}`, p[k]);
  if (p.host === undefined && !p.hostSecret) fail(`${field}.host`, 'is missing', 'give the database host, a hostSecret, or a urlSecret holding the whole URL');
  if (p.user === undefined && !p.userSecret) fail(`${field}.userSecret`, 'is missing', 'name the Secret key holding the user name (or give user)');
  if (!p.passwordSecret) fail(`${field}.passwordSecret`, 'is missing', 'name the Secret key holding the password');
  const host = p.host === undefined ? undefined : checkHost(`${field}.host`, p.host);
  if (p.database !== undefined && !/^[^\s/?#]{1,63}$/.test(p.database))
    fail(`${field}.database`, `"${p.database}" is not a database name`, 'use at most 63 characters without spaces, / ? or #');
  if (p.user !== undefined && !/^[^\s:@/]{1,63}$/.test(p.user))
    fail(`${field}.user`, `"${p.user}" is not a user name`, 'use at most 63 characters without spaces, : @ or /');
  return {
    host,
    hostSecret: secret('hostSecret'),
    port: p.portSecret ? undefined : checkInt(`${field}.port`, p.port ?? 5432, 1, 65535),
    portSecret: secret('portSecret'),
    database: p.databaseSecret ? undefined : (p.database ?? 'prefect'),
    databaseSecret: secret('databaseSecret'),
    user: p.user,
    userSecret: secret('userSecret'),
    passwordSecret: secret('passwordSecret'),
  };
}

/** Redis Sentinel's port when a member names none. */
const SENTINEL_PORT = 26379;

/** Turns `redis.external` into the handle the Prefect tier takes; `peer` is where its servers are (NetworkPolicies). */
export function externalRedis(p: ExternalRedisProps, peer: FlowPeer): RedisConnection {
  const field = 'redis.external';
  if (p.host !== undefined && p.sentinel) fail(field, 'has both host and sentinel', 'give host for a standalone server, or sentinel for a Sentinel group');
  if (p.host === undefined && !p.sentinel) fail(`${field}.host`, 'is missing', 'give the Redis host, or sentinel with the Sentinels of a group');
  const port = checkInt(`${field}.port`, p.port ?? 6379, 1, 65535);
  return {
    host: p.host === undefined ? undefined : checkHost(`${field}.host`, p.host),
    port,
    passwordSecret: p.passwordSecret && checkSecretKeyRef(`${field}.passwordSecret`, p.passwordSecret),
    tls: p.tls ?? false,
    endpoint: { peer, port },
    sentinel: p.sentinel && externalSentinel(p, peer),
  };
}

function externalSentinel(p: ExternalRedisProps, peer: FlowPeer): RedisSentinelConnection {
  const field = 'redis.external.sentinel';
  const s = p.sentinel!;
  if (p.tls) fail('redis.external.tls', 'is not supported with sentinel', 'remove tls: the stack builds redis+sentinel:// URLs, which have no TLS form');
  if (!Array.isArray(s.hosts) || s.hosts.length === 0) fail(`${field}.hosts`, 'is empty', 'list the Sentinels as host or host:port (three or more)');
  const members = s.hosts.map((h, i) => {
    const m = /^([^:]+)(?::(\d+))?$/.exec(String(h));
    if (!m)
      fail(`${field}.hosts[${i}]`, `"${h}" is not host or host:port`, 'write each Sentinel as a DNS name with an optional :port, e.g. sentinel-0.redis:26379');
    return {
      host: checkHost(`${field}.hosts[${i}]`, m[1]),
      port: checkInt(`${field}.hosts[${i}]`, m[2] === undefined ? SENTINEL_PORT : Number(m[2]), 1, 65535),
    };
  });
  const masterName = s.masterName ?? 'mymaster';
  // The name is a path segment of the URL and a word of Sentinel's protocol.
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(masterName))
    fail(`${field}.masterName`, `"${masterName}" is not a Sentinel master name`, 'use 1-64 letters, digits, ".", "_" or "-"');
  return {
    members,
    masterName,
    passwordSecret: s.passwordSecret && checkSecretKeyRef(`${field}.passwordSecret`, s.passwordSecret),
    endpoints: [...new Set(members.map((m) => m.port))].map((port) => ({ peer, port })),
  };
}

/** A host name: a DNS subdomain, or a dotted name (or address) as a hostname. */
function checkHost(field: string, host: string): string {
  return host.includes('.') ? checkHostname(field, host) : checkDnsSubdomain(field, host);
}
