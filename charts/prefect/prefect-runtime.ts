import * as fs from 'fs';
import * as path from 'path';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { PodTemplateProps, podTemplate } from '../common/pod-template';
import { StackContext } from '../common/stack-context';
import { DatabaseConnection, RedisConnection } from './connections';
import { PREFECT_PATHS, prefectEnvironment } from './environment';
import { ResolvedPrefectWorkload } from './resolve';
import { ResolvedPrefectSettings } from './settings';

/** Props of {@link PrefectRuntime}. */
export interface PrefectRuntimeProps {
  /** Resolved `prefect:` settings. */
  readonly settings: ResolvedPrefectSettings;
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
 * How to run a Prefect process in this stack: the pinned image, the environment from the settings module, the
 * writable paths and the helper scripts, on the stack's one pod template. The API, the background services and
 * the migrate Job are all built from it, so they cannot drift apart.
 */
export class PrefectRuntime extends Construct {
  /** The ConfigMap holding the helper scripts. */
  public readonly scriptsConfigMapName: string;
  public readonly image: string;
  /** The resolved `prefect:` settings. */
  public readonly settings: ResolvedPrefectSettings;
  public readonly database: DatabaseConnection;
  public readonly redis: RedisConnection;

  constructor(scope: Construct, id: string, props: PrefectRuntimeProps) {
    super(scope, id);
    const ctx = StackContext.of(this);
    this.settings = props.settings;
    this.database = props.database;
    this.redis = props.redis;
    this.image = ctx.images.ref('prefect');
    this.scriptsConfigMapName = ctx.names.of('ConfigMap', 'prefect-scripts');
    new k8s.KubeConfigMap(this, 'Scripts', {
      metadata: {
        name: this.scriptsConfigMapName,
        labels: componentLabels({ instance: ctx.instance, name: 'prefect', component: 'server', version: props.settings.version }),
      },
      data: Object.fromEntries(PREFECT_SCRIPTS.map((f) => [f, fs.readFileSync(path.join(__dirname, 'scripts', f), 'utf8')])),
    });
  }

  /** A Prefect container: the official entrypoint (tini) stays, only the arguments are ours. */
  public container(o: PrefectContainerOptions): k8s.Container {
    const s = this.settings;
    const url = s.externalUrl;
    const base = url ? url.pathname.replace(/\/+$/, '') : '';
    return {
      name: o.name,
      image: this.image,
      args: o.args,
      env: prefectEnvironment({
        database: this.database,
        redis: o.redis ? this.redis : undefined,
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
        requests: { 'cpu': k8s.Quantity.fromString('50m'), 'memory': k8s.Quantity.fromString('128Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
        limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
      },
    });
  }

  /** The pod template of a Prefect workload: the stack's pod template with the Prefect volumes and user. */
  public podTemplate(
    scope: Construct,
    w: ResolvedPrefectWorkload,
    o: Pick<PodTemplateProps, 'labels' | 'containers' | 'initContainers' | 'restartPolicy' | 'terminationGracePeriodSeconds' | 'topologySpreadConstraints'>,
  ): k8s.PodTemplateSpec {
    return podTemplate(scope, {
      ...o,
      pod: w.pod,
      identity: { user: this.settings.user, group: this.settings.group },
      serviceAccountName: w.serviceAccountName,
      volumes: [
        { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('512Mi') } },
        { name: 'ui-static', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        { name: 'scripts', configMap: { name: this.scriptsConfigMapName, defaultMode: 0o555 } },
      ],
    });
  }
}
