import * as fs from 'fs';
import * as path from 'path';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels } from '../common/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { DatabaseConnection, RedisConnection } from './connections';
import { ResolvedPrefectSettings } from './prefect-settings';
import { PREFECT_PATHS, prefectEnvironment } from './settings';

/** Props of {@link PrefectRuntime}. */
export interface PrefectRuntimeProps {
  /** The stack instance name, prefix of object names. */
  readonly instance: string;
  /** Resolved `prefect:` settings. */
  readonly settings: ResolvedPrefectSettings;
  /** The images of the stack. */
  readonly images: ImageCatalog;
  /** Where the database is. */
  readonly database: DatabaseConnection;
  /** Where Redis is. */
  readonly redis: RedisConnection;
}

/** What one Prefect container runs. */
export interface PrefectContainerOptions {
  readonly name: string;
  readonly args: string[];
  readonly resources: k8s.ResourceRequirements;
  /** Whether the process talks to Redis (API and services do; the migration does not). */
  readonly redis: boolean;
  /** Whether the process serves the UI (the API does). */
  readonly ui?: boolean;
  readonly ports?: k8s.ContainerPort[];
  readonly probes?: Pick<k8s.Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe' | 'lifecycle'>;
}

/** The Python helpers mounted into Prefect pods (charts/prefect/scripts). */
export const PREFECT_SCRIPTS = ['migrations-applied.py', 'services-alive.py'] as const;

/**
 * How to run a Prefect process in this stack: the pinned image, the environment from the settings module,
 * the restricted security contexts, the writable paths, the ServiceAccount and the helper scripts. The API,
 * the background services and the migrate Job are all built from it, so they cannot drift apart.
 */
export class PrefectRuntime extends Construct {
  /** The ServiceAccount of Prefect pods (no token mounted: the server never calls the Kubernetes API). */
  public readonly serviceAccountName: string;
  /** The ConfigMap holding the helper scripts. */
  public readonly scriptsConfigMapName: string;
  public readonly image: string;
  /** The resolved `prefect:` settings. */
  public readonly settings: ResolvedPrefectSettings;
  private readonly props: PrefectRuntimeProps;

  constructor(scope: Construct, id: string, props: PrefectRuntimeProps) {
    super(scope, id);
    this.props = props;
    this.settings = props.settings;
    this.image = props.images.ref('prefect');
    const labels = componentLabels({ instance: props.instance, name: 'prefect', component: 'server', version: props.settings.version });

    this.serviceAccountName = `${props.instance}-server`;
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, labels },
      automountServiceAccountToken: false,
    });

    this.scriptsConfigMapName = `${props.instance}-prefect-scripts`;
    new k8s.KubeConfigMap(this, 'Scripts', {
      metadata: { name: this.scriptsConfigMapName, labels },
      data: Object.fromEntries(PREFECT_SCRIPTS.map((f) => [f, fs.readFileSync(path.join(__dirname, 'scripts', f), 'utf8')])),
    });
  }

  /** The database handle Prefect pods use. */
  public get database(): DatabaseConnection {
    return this.props.database;
  }

  /** A Prefect container: the official entrypoint (tini) stays, only the arguments are ours. */
  public container(o: PrefectContainerOptions): k8s.Container {
    const s = this.props.settings;
    const url = s.externalUrl;
    const base = url ? url.pathname.replace(/\/+$/, '') : '';
    return {
      name: o.name,
      image: this.image,
      imagePullPolicy: this.props.images.pullPolicy,
      args: o.args,
      env: prefectEnvironment({
        database: this.props.database,
        redis: o.redis ? this.props.redis : undefined,
        pool: s.pool,
        logLevel: s.logLevel,
        authSecret: s.authSecret,
        uiApiUrl: o.ui ? (url ? `${url.origin}${base}/api` : '/api') : undefined,
        uiServeBase: o.ui ? base || undefined : undefined,
        // Growth settings belong to the long-running server processes (API and services), not the migration.
        retention: o.redis ? s.retention : undefined,
        extraEnv: s.extraEnv,
      }),
      ports: o.ports,
      resources: o.resources,
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'home', mountPath: PREFECT_PATHS.home },
        { name: 'tmp', mountPath: PREFECT_PATHS.tmp },
        { name: 'ui-static', mountPath: PREFECT_PATHS.uiStatic },
        { name: 'scripts', mountPath: PREFECT_PATHS.scripts, readOnly: true },
      ],
      ...o.probes,
    };
  }

  /** An init container that blocks until the database carries this release's migrations (the migrate Job's work). */
  public waitForMigrations(): k8s.Container {
    return this.container({
      name: 'wait-for-migrations',
      args: ['python', `${PREFECT_PATHS.scripts}/migrations-applied.py`, '--wait', '1800'],
      redis: false,
      resources: {
        requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('128Mi') },
        limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
      },
    });
  }

  /** The pod spec around Prefect containers. */
  public podSpec(o: { containers: k8s.Container[]; initContainers?: k8s.Container[]; restartPolicy?: string; terminationGracePeriodSeconds?: number; topologySpreadConstraints?: k8s.TopologySpreadConstraint[] }): k8s.PodSpec {
    return {
      serviceAccountName: this.serviceAccountName,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext({ user: this.props.settings.user, group: this.props.settings.group }),
      initContainers: o.initContainers,
      containers: o.containers,
      restartPolicy: o.restartPolicy,
      terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
      topologySpreadConstraints: o.topologySpreadConstraints,
      volumes: [
        { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
        { name: 'ui-static', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        { name: 'scripts', configMap: { name: this.scriptsConfigMapName, defaultMode: 0o555 } },
      ],
    };
  }
}
