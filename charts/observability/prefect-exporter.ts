import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { secretEnv } from '../common/secrets';
import { StackContext } from '../common/stack-context';
import { Endpoint, podsPeer } from '../network/flow';
import { PREFECT_EXPORTER_PORT, ResolvedPrefectExporter } from './resolve';

/**
 * PrefectHQ/prometheus-prefect-exporter: a Deployment polling the Prefect REST API and its Service on port
 * `metrics`. Runs as `nobody` like its image (USER nobody); Prefect's client home goes to an emptyDir.
 */
export class PrefectExporter extends Construct {
  constructor(scope: Construct, id: string, e: ResolvedPrefectExporter, api: Endpoint & { readonly serviceName: string }) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const labels = componentLabels({ instance: ctx.instance, name: 'prometheus-prefect-exporter', component: 'prefect-exporter', tier: 'backend' });
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: e.name, labels, pod: e.pod });
    const port = k8s.IntOrString.fromString('metrics');

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: e.name, labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: e.podSelector },
        template: podTemplate(this, {
          labels,
          pod: e.pod,
          identity: { user: 65534, group: 65534 },
          serviceAccountName: sa.name,
          containers: [
            {
              name: 'exporter',
              image: ctx.images.ref('prefectExporter'),
              env: [
                { name: 'PREFECT_API_URL', value: `http://${api.serviceName}:${api.port}/api` },
                { name: 'METRICS_PORT', value: String(PREFECT_EXPORTER_PORT) },
                { name: 'OFFSET_MINUTES', value: String(e.offsetMinutes) },
                // The image sets PREFECT_HOME=/app, which is read-only here.
                { name: 'PREFECT_HOME', value: '/tmp/prefect' },
                ...(e.authSecret ? [secretEnv('PREFECT_API_AUTH_STRING', e.authSecret)] : []),
              ],
              ports: [{ name: 'metrics', containerPort: PREFECT_EXPORTER_PORT, protocol: 'TCP' }],
              // /metrics calls the Prefect API on every request: probe the socket, not the endpoint.
              readinessProbe: { tcpSocket: { port }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port }, periodSeconds: 20, failureThreshold: 3 },
              resources: e.resources,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
        }),
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: e.name, labels },
      spec: {
        type: 'ClusterIP',
        selector: e.podSelector,
        ports: [{ name: 'metrics', port: PREFECT_EXPORTER_PORT, targetPort: port, protocol: 'TCP' }],
      },
    });
    ctx.allow(podsPeer(e.podSelector), api.peer, [api.port], 'the flow-run exporter polls the API');
    // It polls the API on every scrape: at most once a minute by default.
    ctx.scrape({
      name: 'prefect-exporter',
      service: e.name,
      podSelector: e.podSelector,
      port: 'metrics',
      portNumber: PREFECT_EXPORTER_PORT,
      path: '/metrics',
      interval: '60s',
      why: 'Prometheus scrapes the flow-run exporter',
    });
  }
}
