import * as crypto from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { checkCidr, checkDnsLabel, checkDnsSubdomain, checkInt, checkQuantity, fail } from '../common/validate';
import { AdminExposeOptions, EdgeRoute, ResolvedEdge, adminRoute } from '../edge/edge-options';
import { AlertRuleGroup, ruleFileGroups } from './rules';
import { ScrapeTarget, serviceMonitorTargetRelabelings } from './targets';
import { httpProbes } from '../common/probes';

/** The Prometheus port. */
export const PROMETHEUS_PORT = 9090;

/** Where the bundled Prometheus mounts its configuration and basic-auth Secrets. */
const CONFIG_DIR = '/etc/prometheus/config';
const SECRETS_DIR = '/etc/prometheus/secrets';

/** Options of the stack's own Prometheus (the `monitoring.bundled.prometheus:` section). */
export interface BundledPrometheusOptions {
  /**
   * Deploy a Prometheus of the stack's own, for clusters without kube-prometheus-stack.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * How long samples are kept (`--storage.tsdb.retention.time`).
   * @default "15d" - two weeks of history covers a sprint of incidents; raise storage with it
   */
  readonly retention?: string;
  /**
   * Size of the storage claim.
   * @default "20Gi" - about 15 days of the stack's few thousand series at 30 s, with room for the cluster jobs you add
   */
  readonly storage?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Container resources.
   * @default - requests cpu 100m / memory 512Mi, limits cpu 1 / memory 2Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * Publish Prometheus at the edge. Prometheus has no login of its own, so the edge must authenticate
   * (`basicAuthSecret` with Ingress-NGINX, `authFilter` with Gateway API). A `path` becomes its route prefix.
   * @default - not exposed: `kubectl port-forward svc/<instance>-prometheus 9090`
   */
  readonly expose?: AdminExposeOptions;
  /**
   * Addresses of the Kubernetes API server, which service discovery calls (NetworkPolicy egress on 443 and 6443).
   * @default - any address: the API server's address differs per cluster
   */
  readonly apiServerCidrs?: string[];
  /**
   * Further scrape configurations, verbatim (Prometheus `scrape_configs` entries), e.g. the cluster's
   * kube-state-metrics and ingress controller, which the Deployment, API and backup rules need.
   * @default - none: only the stack's own targets
   */
  readonly additionalScrapeConfigs?: Array<{ [key: string]: unknown }>;
  /**
   * Namespaces and ports the additional scrape targets listen on, for the NetworkPolicy egress of Prometheus.
   * @default - none: with NetworkPolicies on, list e.g. kube-state-metrics' namespace and port 8080 here
   */
  readonly additionalScrapeEgress?: Array<{ readonly namespace: string; readonly ports: number[] }>;
}

/** Props of {@link BundledPrometheus}. */
export interface BundledPrometheusProps extends BundledPrometheusOptions {
  readonly instance: string;
  readonly namespace: string;
  readonly images: ImageCatalog;
  readonly targets: ScrapeTarget[];
  readonly ruleGroups: AlertRuleGroup[];
  /** The resolved edge, for `expose`. */
  readonly edge: ResolvedEdge;
  /** `https` or `http`: how users reach the edge (for the external URL). */
  readonly scheme: string;
}

/** Generation inputs of prometheus.yml (exported for `promtool check config` in the tests). */
export interface PrometheusConfigInput {
  readonly namespace: string;
  readonly targets: ScrapeTarget[];
  /** Path of the rule file inside the container. */
  readonly ruleFile?: string;
  readonly additionalScrapeConfigs?: Array<{ [key: string]: unknown }>;
  /** Where basic-auth Secrets are mounted: `<secretsDir>/<secret>/<key>`. */
  readonly secretsDir?: string;
}

/**
 * prometheus.yml from the same targets as the ServiceMonitors: endpointslice discovery in the stack's namespace,
 * relabeled to the labels the operator gives ServiceMonitor targets.
 */
export function prometheusConfig(input: PrometheusConfigInput): Record<string, unknown> {
  const secretsDir = input.secretsDir ?? SECRETS_DIR;
  return {
    global: { scrape_interval: '30s', evaluation_interval: '30s' },
    ...(input.ruleFile ? { rule_files: [input.ruleFile] } : {}),
    scrape_configs: [
      ...input.targets.map((t) => ({
        job_name: t.name,
        scrape_interval: t.interval,
        metrics_path: t.path,
        scheme: 'http',
        kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: [input.namespace] } }],
        ...(t.basicAuth ? {
          basic_auth: {
            username_file: `${secretsDir}/${t.basicAuth.name}/${t.basicAuth.usernameKey ?? 'username'}`,
            password_file: `${secretsDir}/${t.basicAuth.name}/${t.basicAuth.passwordKey ?? 'password'}`,
          },
        } : {}),
        relabel_configs: serviceMonitorTargetRelabelings(t),
      })),
      ...(input.additionalScrapeConfigs ?? []),
    ],
  };
}

/**
 * The stack's own Prometheus: a one-replica StatefulSet with a storage claim, the generated prometheus.yml and
 * the rule groups of the PrometheusRule in a ConfigMap, and read access to the namespace's endpoints only.
 * It has no authentication of its own: serve it through the edge with auth (see {@link serviceName}).
 */
export class BundledPrometheus extends Construct {
  /** The Service for the edge (port {@link PROMETHEUS_PORT}, named `http`). */
  public readonly serviceName: string;
  /** URL the bundled Grafana queries. */
  public readonly url: string;
  /** The route prefix (`/` or the exposed path). */
  public readonly routePrefix: string;
  /** Labels of the Prometheus pod. */
  public readonly podSelector: Record<string, string>;
  /** The edge route when exposed. */
  public readonly route?: EdgeRoute;
  /** Where the Kubernetes API server is (for the egress flow). */
  public readonly apiServerCidrs: string[];
  /** Namespaces and ports of the additional scrape targets (for the egress flows). */
  public readonly additionalScrapeEgress: Array<{ namespace: string; ports: number[] }>;

  constructor(scope: Construct, id: string, props: BundledPrometheusProps) {
    super(scope, id);
    const f = 'monitoring.bundled.prometheus';
    const retention = props.retention ?? '15d';
    if (!/^(\d+(y|w|d|h|m|s|ms))+$/.test(retention)) fail(`${f}.retention`, `"${retention}" is not a Prometheus duration`, 'write e.g. 15d or 720h');
    const storage = checkQuantity(`${f}.storage`, props.storage ?? '20Gi');
    if (props.storageClassName !== undefined) checkDnsSubdomain(`${f}.storageClassName`, props.storageClassName);
    const resources = resolveResources(`${f}.resources`, props.resources, {
      requests: { cpu: '100m', memory: '512Mi' },
      limits: { cpu: '1', memory: '2Gi' },
    });
    if (props.apiServerCidrs) props.apiServerCidrs.forEach((c, i) => checkCidr(`${f}.apiServerCidrs[${i}]`, c));
    this.additionalScrapeEgress = (props.additionalScrapeEgress ?? []).map((e, i) => ({
      namespace: checkDnsLabel(`${f}.additionalScrapeEgress[${i}].namespace`, e.namespace),
      ports: (e.ports ?? []).length ? e.ports.map((p, j) => checkInt(`${f}.additionalScrapeEgress[${i}].ports[${j}]`, p, 1, 65535)) : fail(`${f}.additionalScrapeEgress[${i}].ports`, 'is empty', 'list the metrics ports, e.g. [8080]'),
    }));
    this.apiServerCidrs = props.apiServerCidrs ?? ['0.0.0.0/0', '::/0'];
    for (const [i, sc] of (props.additionalScrapeConfigs ?? []).entries()) {
      if (typeof sc?.job_name !== 'string') fail(`${f}.additionalScrapeConfigs[${i}].job_name`, 'is missing', 'give every scrape configuration a job_name');
      if (props.targets.some((t) => t.name === sc.job_name)) fail(`${f}.additionalScrapeConfigs[${i}].job_name`, `"${sc.job_name}" is a job of the stack`, 'choose another job_name');
    }

    const c = { instance: props.instance, name: 'prometheus', component: 'prometheus' };
    const name = `${props.instance}-prometheus`;
    const labels = componentLabels({ ...c, tier: 'frontend' });
    const podSelector = selectorLabels(c);
    this.podSelector = podSelector;
    this.serviceName = name;
    this.route = props.expose && adminRoute(f, props.edge, props.expose, {
      id: 'prometheus', serviceName: name, servicePort: PROMETHEUS_PORT, ownAuth: false, labels, pathSupported: true,
    });
    const routePrefix = this.route && this.route.path !== '/' ? this.route.path : '/';
    const externalUrl = this.route ? `${props.scheme}://${this.route.host}${routePrefix === '/' ? '' : routePrefix}` : undefined;
    this.routePrefix = routePrefix;
    this.url = `http://${name}:${PROMETHEUS_PORT}${routePrefix === '/' ? '' : routePrefix}`;

    // Service discovery reads EndpointSlices, Services and Pods of this namespace, nothing else.
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name, labels }, automountServiceAccountToken: false });
    new k8s.KubeRole(this, 'Role', {
      metadata: { name, labels },
      rules: [
        { apiGroups: [''], resources: ['services', 'pods', 'endpoints'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: props.namespace }],
    });

    const config = stringify(prometheusConfig({ namespace: props.namespace, targets: props.targets, ruleFile: `${CONFIG_DIR}/rules.yaml`, additionalScrapeConfigs: props.additionalScrapeConfigs }));
    const rules = stringify({ groups: ruleFileGroups(props.ruleGroups) });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${name}-config`, labels },
      data: { 'prometheus.yml': config, 'rules.yaml': rules },
    });
    // Prometheus reads its configuration at start only: a changed ConfigMap rolls the pod.
    const checksum = crypto.createHash('sha256').update(config).update(rules).digest('hex');

    const secrets = [...new Set(props.targets.flatMap((t) => (t.basicAuth ? [t.basicAuth.name] : [])))];
    const http = k8s.IntOrString.fromString('http');
    const prefix = routePrefix === '/' ? '' : routePrefix;
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: podSelector },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum } },
          spec: {
            serviceAccountName: name,
            // Kubernetes service discovery calls the API server with this token.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            // The image runs as nobody (65534).
            securityContext: restrictedPodSecurityContext({ user: 65534, group: 65534 }),
            terminationGracePeriodSeconds: 120,
            containers: [{
              name: 'prometheus',
              image: props.images.ref('prometheus'),
              imagePullPolicy: props.images.pullPolicy,
              args: [
                `--config.file=${CONFIG_DIR}/prometheus.yml`,
                '--storage.tsdb.path=/prometheus',
                `--storage.tsdb.retention.time=${retention}`,
                ...(externalUrl ? [`--web.external-url=${externalUrl}`, `--web.route-prefix=${routePrefix}`] : []),
              ],
              ports: [{ name: 'http', containerPort: PROMETHEUS_PORT, protocol: 'TCP' }],
              // WAL replay after a crash can take minutes on a full disk.
              ...httpProbes({ ready: `${prefix}/-/ready`, live: `${prefix}/-/healthy`, startupSeconds: 600 }),
              resources,
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'data', mountPath: '/prometheus' },
                ...secrets.map((s, i) => ({ name: `auth-${i}`, mountPath: `${SECRETS_DIR}/${s}`, readOnly: true })),
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: `${name}-config` } },
              ...secrets.map((s, i) => ({ name: `auth-${i}`, secret: { secretName: s } })),
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: 'data', labels: selectorLabels(c) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(props.storageClassName ? { storageClassName: props.storageClassName } : {}),
            resources: { requests: { storage: k8s.Quantity.fromString(storage) } },
          },
        }],
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: podSelector,
        ports: [{ name: 'http', port: PROMETHEUS_PORT, targetPort: http, protocol: 'TCP', appProtocol: 'http' }],
      },
    });
  }
}
