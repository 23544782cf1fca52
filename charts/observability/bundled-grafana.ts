import * as crypto from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { SecretKeyRef, checkSecretKeyRef } from '../common/secrets';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { fail } from '../common/validate';
import { AdminExposeOptions, EdgeRoute, ResolvedEdge, adminRoute } from '../edge/edge-options';
import { httpProbes } from '../common/probes';

/** The Grafana port. */
export const GRAFANA_PORT = 3000;

/** Options of the stack's own Grafana (the `monitoring.bundled.grafana:` section). */
export interface BundledGrafanaOptions {
  /**
   * Deploy a Grafana of the stack's own with the bundled Prometheus as datasource and the stack's dashboards.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Secret key holding the admin password (read through GF_SECURITY_ADMIN_PASSWORD__FILE; never in a manifest).
   * @default - none: required when enabled
   */
  readonly adminPasswordSecret?: SecretKeyRef;
  /**
   * The admin user name.
   * @default "admin"
   */
  readonly adminUser?: string;
  /**
   * Publish Grafana at the edge (Grafana's own login applies; edge auth may be added). A `path` is served as
   * Grafana's sub-path.
   * @default - not exposed: `kubectl port-forward svc/<instance>-grafana 3000`
   */
  readonly expose?: AdminExposeOptions;
  /**
   * Container resources.
   * @default - requests cpu 50m / memory 128Mi, limits cpu 500m / memory 512Mi
   */
  readonly resources?: ResourcesProps;
}

/** Props of {@link BundledGrafana}. */
export interface BundledGrafanaProps extends BundledGrafanaOptions {
  readonly instance: string;
  readonly images: ImageCatalog;
  /** URL of the Prometheus to query. */
  readonly prometheusUrl: string;
  /** The dashboard ConfigMaps (one dashboard JSON each), provisioned into `folder`. */
  readonly dashboardConfigMaps: string[];
  readonly folder: string;
  /** The resolved edge, for `expose`. */
  readonly edge: ResolvedEdge;
  /** `https` or `http`: how users reach the edge (for the root URL). */
  readonly scheme: string;
}

/**
 * The stack's own Grafana: one stateless replica (its SQLite database lives in an emptyDir: users, stars and
 * edits are lost on restart, while datasource and dashboards are provisioned from ConfigMaps every start).
 */
export class BundledGrafana extends Construct {
  /** The Service for the edge (port {@link GRAFANA_PORT}, named `http`). */
  public readonly serviceName: string;
  /** Labels of the Grafana pod. */
  public readonly podSelector: Record<string, string>;
  /** The edge route when exposed. */
  public readonly route?: EdgeRoute;

  constructor(scope: Construct, id: string, props: BundledGrafanaProps) {
    super(scope, id);
    const f = 'monitoring.bundled.grafana';
    if (!props.adminPasswordSecret) fail(`${f}.adminPasswordSecret`, 'is missing', 'create a Secret with the admin password and give { name, key }');
    const adminSecret = checkSecretKeyRef(`${f}.adminPasswordSecret`, props.adminPasswordSecret);
    const adminUser = props.adminUser ?? 'admin';
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(adminUser)) fail(`${f}.adminUser`, `"${adminUser}" is not a plain user name`, 'use letters, digits, ".", "_", "@" or "-"');
    const resources = resolveResources(`${f}.resources`, props.resources, {
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    });
    const c = { instance: props.instance, name: 'grafana', component: 'grafana' };
    const name = `${props.instance}-grafana`;
    const labels = componentLabels({ ...c, tier: 'frontend' });
    const podSelector = selectorLabels(c);
    this.serviceName = name;
    this.podSelector = podSelector;
    this.route = props.expose && adminRoute(f, props.edge, props.expose, {
      id: 'grafana', serviceName: name, servicePort: GRAFANA_PORT, ownAuth: true, labels, pathSupported: true,
    });
    const subPath = this.route !== undefined && this.route.path !== '/';
    const rootUrl = this.route ? `${props.scheme}://${this.route.host}${subPath ? this.route.path : ''}/` : undefined;

    const provisioning = {
      'datasources.yaml': stringify({
        apiVersion: 1,
        datasources: [{ name: 'Prometheus', type: 'prometheus', uid: 'prometheus', access: 'proxy', url: props.prometheusUrl, isDefault: true, editable: false }],
      }),
      'dashboards.yaml': stringify({
        apiVersion: 1,
        providers: [{ name: 'prefect-stack', folder: props.folder, type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: '/var/lib/grafana-dashboards' } }],
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
        selector: { matchLabels: podSelector },
        template: {
          metadata: { labels, annotations: { 'checksum/provisioning': checksum } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // The image's grafana user is 472.
            securityContext: restrictedPodSecurityContext({ user: 472, group: 472 }),
            containers: [{
              name: 'grafana',
              image: props.images.ref('grafana'),
              imagePullPolicy: props.images.pullPolicy,
              env: [
                { name: 'GF_SECURITY_ADMIN_USER', value: adminUser },
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
                ...(rootUrl ? [{ name: 'GF_SERVER_ROOT_URL', value: rootUrl }] : []),
                ...(subPath ? [{ name: 'GF_SERVER_SERVE_FROM_SUB_PATH', value: 'true' }] : []),
              ],
              ports: [{ name: 'http', containerPort: GRAFANA_PORT, protocol: 'TCP' }],
              ...httpProbes({ ready: '/api/health', startupSeconds: 300 }),
              resources,
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/grafana' },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'admin', mountPath: '/etc/grafana-admin', readOnly: true },
                { name: 'provisioning', mountPath: '/etc/grafana/provisioning/datasources/datasources.yaml', subPath: 'datasources.yaml', readOnly: true },
                { name: 'provisioning', mountPath: '/etc/grafana/provisioning/dashboards/dashboards.yaml', subPath: 'dashboards.yaml', readOnly: true },
                { name: 'dashboards', mountPath: '/var/lib/grafana-dashboards', readOnly: true },
              ],
            }],
            volumes: [
              { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Gi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              { name: 'admin', secret: { secretName: adminSecret.name, items: [{ key: adminSecret.key, path: 'password' }] } },
              { name: 'provisioning', configMap: { name: `${name}-provisioning` } },
              // Every dashboard ConfigMap in one directory: the file provider loads them all.
              { name: 'dashboards', projected: { sources: props.dashboardConfigMaps.map((cm) => ({ configMap: { name: cm } })) } },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: podSelector,
        ports: [{ name: 'http', port: GRAFANA_PORT, targetPort: http, protocol: 'TCP', appProtocol: 'http' }],
      },
    });
  }
}
