import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { checkInt } from '../common/validate';

/** The exporter's metrics port (its `METRICS_PORT` default). */
export const PREFECT_EXPORTER_PORT = 8000;

/** Options of the flow-run exporter (the `monitoring.prefectExporter:` section). */
export interface PrefectExporterOptions {
  /**
   * Run PrefectHQ's prometheus-prefect-exporter: flow runs by state, late runs, work pools and queues.
   * @default false - it polls the API on every scrape; turn it on when you want the Flow runs dashboard
   */
  readonly enabled?: boolean;
  /**
   * Window of flow runs the exporter reports, in minutes (its `OFFSET_MINUTES`): runs created within it.
   * @default 60 - an hour of runs by state without listing the whole history on each scrape
   */
  readonly offsetMinutes?: number;
  /**
   * Container resources.
   * @default - requests cpu 50m / memory 128Mi, limits cpu 500m / memory 256Mi (one Python process polling the API)
   */
  readonly resources?: ResourcesProps;
}

/** Props of {@link PrefectExporter}. */
export interface PrefectExporterProps extends PrefectExporterOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
  /** The API Service, reached in-cluster (not through the edge). */
  readonly apiService: string;
  readonly apiPort: number;
}

/**
 * PrefectHQ/prometheus-prefect-exporter: a Deployment polling the Prefect REST API and its Service on port
 * `metrics`. Runs as `nobody` like its image (USER nobody); Prefect's client home goes to an emptyDir.
 */
export class PrefectExporter extends Construct {
  public readonly serviceName: string;
  /** Labels on the Service (the ServiceMonitor selects on them). */
  public readonly serviceLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: PrefectExporterProps) {
    super(scope, id);
    const offset = checkInt('monitoring.prefectExporter.offsetMinutes', props.offsetMinutes ?? 60, 1, 60 * 24 * 31);
    const resources = resolveResources('monitoring.prefectExporter.resources', props.resources, {
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    const c = { instance: props.instance, name: 'prometheus-prefect-exporter', component: 'prefect-exporter' };
    const name = `${props.instance}-prefect-exporter`;
    const labels = componentLabels({ ...c, tier: 'backend' });
    const podSelector = selectorLabels(c);
    this.serviceName = name;
    this.serviceLabels = podSelector;
    const port = k8s.IntOrString.fromString('metrics');

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: podSelector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ user: 65534, group: 65534 }),
            containers: [{
              name: 'exporter',
              image: props.images.ref('prefectExporter'),
              imagePullPolicy: props.images.pullPolicy,
              env: [
                { name: 'PREFECT_API_URL', value: `http://${props.apiService}:${props.apiPort}/api` },
                { name: 'METRICS_PORT', value: String(PREFECT_EXPORTER_PORT) },
                { name: 'OFFSET_MINUTES', value: String(offset) },
                // The image sets PREFECT_HOME=/app, which is read-only here.
                { name: 'PREFECT_HOME', value: '/tmp/prefect' },
              ],
              ports: [{ name: 'metrics', containerPort: PREFECT_EXPORTER_PORT, protocol: 'TCP' }],
              // /metrics calls the Prefect API on every request: probe the socket, not the endpoint.
              readinessProbe: { tcpSocket: { port }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port }, periodSeconds: 20, failureThreshold: 3 },
              resources,
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: podSelector,
        ports: [{ name: 'metrics', port: PREFECT_EXPORTER_PORT, targetPort: port, protocol: 'TCP' }],
      },
    });
  }
}
