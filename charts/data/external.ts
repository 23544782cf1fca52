import { checkSecretKeyRef } from '../common/secrets';
import { checkHostname, checkInt, checkDnsSubdomain, fail } from '../common/validate';
import { DatabaseConnection, RedisConnection } from '../prefect/connections';
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
  const host = p.host === undefined ? undefined : p.host.includes('.') ? checkHostname(`${field}.host`, p.host) : checkDnsSubdomain(`${field}.host`, p.host);
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

/** Turns `redis.external` into the handle the Prefect tier takes. */
export function externalRedis(p: ExternalRedisProps): Omit<RedisConnection, 'endpoint'> {
  const field = 'redis.external';
  if (p.host === undefined) fail(`${field}.host`, 'is missing', 'give the Redis host');
  return {
    host: p.host.includes('.') ? checkHostname(`${field}.host`, p.host) : checkDnsSubdomain(`${field}.host`, p.host),
    port: checkInt(`${field}.port`, p.port ?? 6379, 1, 65535),
    passwordSecret: p.passwordSecret && checkSecretKeyRef(`${field}.passwordSecret`, p.passwordSecret),
    tls: p.tls ?? false,
  };
}
