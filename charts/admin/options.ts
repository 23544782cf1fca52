import { PodOptions } from '../common/pod-options';
import { ResourcesProps } from '../common/resources';
import { SecretKeyRef } from '../common/secrets';
import { AdminExposeOptions } from '../edge/edge-options';

/** The `admin.pgadmin:` section of the configuration file. */
export interface PgAdminOptions extends PodOptions {
  /** E-mail address of pgAdmin's first administrator (its login name). */
  readonly email: string;
  /** The Secret key holding that administrator's password (read at the first start, when pgAdmin creates its database). */
  readonly passwordSecret: SecretKeyRef;
  /**
   * The server pre-registered in pgAdmin (servers.json), replaced at every start.
   * @default - the stack's PostgreSQL (host, port and database from the data tier), user "prefect", SSL mode "prefer"
   */
  readonly server?: {
    /** @default - the stack's database host */
    readonly host?: string;
    /** @default - the stack's database port */
    readonly port?: number;
    /** @default - the stack's database name */
    readonly maintenanceDb?: string;
    /** The role pgAdmin logs in as; pgAdmin asks for its password at the first connect and may store it encrypted. @default "prefect" */
    readonly username?: string;
    /** @default "prefer" */
    readonly sslMode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  };
  /**
   * Size of the claim for `/var/lib/pgadmin` (pgAdmin's SQLite database, saved queries, stored passwords).
   * @default "1Gi"
   */
  readonly storage?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Container resources.
   * @default - requests cpu 50m / memory 256Mi, limits cpu 1 / memory 768Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * Publish pgAdmin at the edge (its login page is its auth).
   * @default - not published: `kubectl port-forward svc/<instance>-pgadmin 8080`
   */
  readonly expose?: AdminExposeOptions;
}

/** The `admin.redisUi:` section of the configuration file. */
export interface RedisUiOptions extends PodOptions {
  /**
   * Which web UI. The seed's ARDM (Another Redis Desktop Manager) is a desktop program with no web mode, so a web
   * UI takes its place: redis-commander (MIT, built-in HTTP auth) or RedisInsight (Redis Ltd., SSPL; no auth of its
   * own, so it needs auth at the edge).
   * @default "redis-commander"
   */
  readonly kind?: 'redis-commander' | 'redisinsight';
  /**
   * redis-commander's HTTP basic auth: the user name, and the Secret key holding the password.
   * @default - none: then exposing it needs expose.basicAuthSecret / authFilter, or allowUnauthenticated
   */
  readonly httpAuth?: { readonly user: string; readonly passwordSecret: SecretKeyRef };
  /**
   * redis-commander in read-only mode (browse, no writes or deletes).
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Container resources.
   * @default - redis-commander: requests cpu 20m / memory 64Mi, limits cpu 500m / memory 256Mi;
   *   RedisInsight: requests cpu 50m / memory 256Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * Publish the UI at the edge.
   * @default - not published: `kubectl port-forward svc/<instance>-redis-ui <port>`
   */
  readonly expose?: AdminExposeOptions;
}

/** The admin UIs (the seed's pgAdmin and ARDM; the `admin:` section). */
export interface AdminProps {
  /**
   * pgAdmin 4, pre-wired to the stack's PostgreSQL.
   * @default - not deployed
   */
  readonly pgadmin?: PgAdminOptions;
  /**
   * A Redis web UI (redis-commander or RedisInsight) in place of the seed's ARDM desktop app.
   * @default - not deployed
   */
  readonly redisUi?: RedisUiOptions;
}
