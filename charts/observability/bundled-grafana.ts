import * as crypto from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { GRAFANA_PORT, PROMETHEUS_PORT, ResolvedBundledGrafana, ResolvedBundledPrometheus } from './resolve';

/**
 * The stack's own Grafana: one stateless replica (its SQLite database lives in an emptyDir: users, stars and
 * edits are lost on restart, while datasource and dashboards are provisioned from ConfigMaps every start).
 */
export class BundledGrafana extends Construct {
  /** Queries `prometheus`, and shows the dashboards of `dashboardConfigMaps` in `folder`. */
  constructor(scope: Construct, id: string, g: ResolvedBundledGrafana, prometheus: ResolvedBundledPrometheus, dashboardConfigMaps: string[], folder: string) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const { name, labels } = g;
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name, labels, pod: g.pod });
    const provisioning = {
      'datasources.yaml': stringify({
        apiVersion: 1,
        datasources: [{ name: 'Prometheus', type: 'prometheus', uid: 'prometheus', access: 'proxy', url: prometheus.url, isDefault: true, editable: false }],
      }),
      'dashboards.yaml': stringify({
        apiVersion: 1,
        providers: [
          { name: 'prefect-stack', folder, type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: '/var/lib/grafana-dashboards' } },
        ],
      }),
    };
    new k8s.KubeConfigMap(this, 'Provisioning', { metadata: { name: `${name}-provisioning`, labels }, data: provisioning });
    const checksum = crypto.createHash('sha256').update(JSON.stringify(provisioning)).digest('hex');

    const http = k8s.IntOrString.fromString('http');
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        revisionHistoryLimit: 3,
        selector: { matchLabels: g.podSelector },
        template: podTemplate(this, {
          labels,
          pod: g.pod,
          // The image's grafana user is 472.
          identity: { user: 472, group: 472 },
          serviceAccountName: sa.name,
          annotations: { 'checksum/provisioning': checksum },
          containers: [
            {
              name: 'grafana',
              image: ctx.images.ref('grafana'),
              env: [
                { name: 'GF_SECURITY_ADMIN_USER', value: g.adminUser },
                { name: 'GF_SECURITY_ADMIN_PASSWORD__FILE', value: '/etc/grafana-admin/password' },
                { name: 'GF_PATHS_PROVISIONING', value: '/etc/grafana/provisioning' },
                { name: 'GF_PATHS_DATA', value: '/var/lib/grafana' },
                { name: 'GF_PATHS_LOGS', value: '/var/lib/grafana/log' },
                { name: 'GF_PATHS_PLUGINS', value: '/var/lib/grafana/plugins' },
                { name: 'GF_LOG_MODE', value: 'console' },
                { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
                { name: 'GF_ANALYTICS_CHECK_FOR_UPDATES', value: 'false' },
                { name: 'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', value: 'false' },
                { name: 'GF_USERS_ALLOW_SIGN_UP', value: 'false' },
                { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
                // Grafana 12 downloads its "preinstalled" app plugins at start: nothing to fetch, and no network for it.
                { name: 'GF_PLUGINS_PREINSTALL_DISABLED', value: 'true' },
                ...(g.rootUrl ? [{ name: 'GF_SERVER_ROOT_URL', value: g.rootUrl }] : []),
                ...(g.subPath ? [{ name: 'GF_SERVER_SERVE_FROM_SUB_PATH', value: 'true' }] : []),
              ],
              ports: [{ name: 'http', containerPort: GRAFANA_PORT, protocol: 'TCP' }],
              ...httpProbes({ ready: '/api/health', startupSeconds: 300 }),
              resources: g.resources,
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/grafana' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'admin', mountPath: '/etc/grafana-admin', readOnly: true },
                { name: 'provisioning', mountPath: '/etc/grafana/provisioning/datasources/datasources.yaml', subPath: 'datasources.yaml', readOnly: true },
                { name: 'provisioning', mountPath: '/etc/grafana/provisioning/dashboards/dashboards.yaml', subPath: 'dashboards.yaml', readOnly: true },
                { name: 'dashboards', mountPath: '/var/lib/grafana-dashboards', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            { name: 'admin', secret: { secretName: g.adminPasswordSecret.name, items: [{ key: g.adminPasswordSecret.key, path: 'password' }] } },
            { name: 'provisioning', configMap: { name: `${name}-provisioning` } },
            // Every dashboard ConfigMap in one directory: the file provider loads them all.
            { name: 'dashboards', projected: { sources: dashboardConfigMaps.map((cm) => ({ configMap: { name: cm } })) } },
          ],
        }),
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: g.podSelector,
        ports: [{ name: 'http', port: GRAFANA_PORT, targetPort: http, protocol: 'TCP', appProtocol: 'http' }],
      },
    });
    ctx.allow(podsPeer(g.podSelector), podsPeer(prometheus.podSelector), [PROMETHEUS_PORT], 'Grafana queries the bundled Prometheus');
    if (g.route) ctx.expose(g.route);
  }
}
