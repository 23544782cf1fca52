import { Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { ImageCatalog, ImagesProps } from './common/images';
import { componentLabels } from './common/labels';
import { checkDnsLabel, fail } from './common/validate';
import { ExternalDatabaseProps, ExternalRedisProps, externalDatabase, externalRedis } from './data/external';
import { PrefectApi, PrefectApiOptions } from './prefect/prefect-api';
import { PrefectBackgroundServices, PrefectBackgroundServicesOptions } from './prefect/prefect-background';
import { PrefectMigration, PrefectMigrationOptions } from './prefect/prefect-migration';
import { PrefectRuntime } from './prefect/prefect-runtime';
import { PrefectSettingsProps, resolvePrefectSettings } from './prefect/prefect-settings';

/** Where Prefect's PostgreSQL is. */
export interface DatabaseProps {
  /**
   * A PostgreSQL server outside the stack.
   * @default - none (required until the in-cluster data tier is enabled)
   */
  readonly external?: ExternalDatabaseProps;
}

/** Where Prefect's Redis is. */
export interface RedisProps {
  /**
   * A Redis server outside the stack.
   * @default - none (required until the in-cluster data tier is enabled)
   */
  readonly external?: ExternalRedisProps;
}

/**
 * Everything the stack takes. The configuration file (prefect-stack.yaml) is this type written as YAML:
 * its JSON Schema is generated from this interface, so a key cannot exist in one and not the other.
 */
export interface PrefectStackProps {
  /**
   * Instance name: the prefix of every object name and the `app.kubernetes.io/instance` label.
   * @default "prefect"
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default "prefect"
   */
  readonly namespace?: string;
  /**
   * Emit the Namespace, labelled to enforce Pod Security Standards `restricted`.
   * @default true - the labels are what makes the cluster refuse a weakened pod
   */
  readonly createNamespace?: boolean;
  /**
   * Registry mirror and image overrides.
   * @default - the pinned upstream images
   */
  readonly images?: ImagesProps;
  /**
   * Settings shared by every Prefect process (release, URL, auth, pool, extra settings).
   * @default - see PrefectSettingsProps
   */
  readonly prefect?: PrefectSettingsProps;
  /**
   * The API and UI replicas.
   * @default - see PrefectApiOptions
   */
  readonly api?: PrefectApiOptions;
  /**
   * The background services.
   * @default - see PrefectBackgroundServicesOptions
   */
  readonly backgroundServices?: PrefectBackgroundServicesOptions;
  /**
   * The migrate Job.
   * @default - see PrefectMigrationOptions
   */
  readonly migrations?: PrefectMigrationOptions;
  /**
   * The database.
   * @default - none: required
   */
  readonly database?: DatabaseProps;
  /**
   * Redis.
   * @default - none: required
   */
  readonly redis?: RedisProps;
}

/**
 * A production Prefect 3 server, read top to bottom like its architecture diagram:
 * data (PostgreSQL, Redis) → migrations → API replicas and background services.
 */
export class PrefectStack extends Chart {
  public readonly api: PrefectApi;
  public readonly backgroundServices: PrefectBackgroundServices;
  public readonly migration: PrefectMigration;

  constructor(scope: Construct, id: string, props: PrefectStackProps = {}) {
    const namespace = checkDnsLabel('namespace', props.namespace ?? 'prefect');
    super(scope, id, { namespace, disableResourceNameHashes: true });
    const instance = checkDnsLabel('name', props.name ?? 'prefect', 40);
    const settings = resolvePrefectSettings(props.prefect);
    const images = new ImageCatalog(props.images, settings.version);

    if (props.createNamespace ?? true) {
      const ns = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: namespace,
          labels: {
            ...componentLabels({ instance, name: 'prefect', component: 'namespace' }),
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
          annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
        },
      });
      ns.addJsonPatch(JsonPatch.remove('/metadata/namespace')); // cluster-scoped
    }

    // Data tier: where the state lives.
    if (!props.database?.external) fail('database.external', 'is missing', 'give the external PostgreSQL (urlSecret, or host with userSecret and passwordSecret)');
    if (!props.redis?.external) fail('redis.external', 'is missing', 'give the external Redis (host, and passwordSecret if it has one)');
    const database = externalDatabase(props.database.external);
    const redis = externalRedis(props.redis.external);

    // Prefect tier: one runtime, three workloads built from it.
    const runtime = new PrefectRuntime(this, 'Runtime', { instance, settings, images, database, redis });
    this.migration = new PrefectMigration(this, 'Migration', { instance, runtime, ...props.migrations });
    this.api = new PrefectApi(this, 'Api', { instance, runtime, ...props.api });
    this.backgroundServices = new PrefectBackgroundServices(this, 'BackgroundServices', { instance, runtime, ...props.backgroundServices });
  }
}
