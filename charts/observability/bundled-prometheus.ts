import * as crypto from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { httpProbes } from '../common/probes';
import { StackContext } from '../common/stack-context';
import { cidrPeer, namespaceNamed, namespacePeer, podsPeer } from '../network/flow';
import { PROMETHEUS_PORT, ResolvedBundledPrometheus } from './resolve';
import { AlertRuleGroup, ruleFileGroups } from './rules';
import { ScrapeTarget, serviceMonitorTargetRelabelings } from './targets';

/** Where the bundled Prometheus mounts its configuration and basic-auth Secrets. */
const CONFIG_DIR = '/etc/prometheus/config';
const SECRETS_DIR = '/etc/prometheus/secrets';

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
        ...(t.basicAuth
          ? {
              basic_auth: {
                username_file: `${secretsDir}/${t.basicAuth.name}/${t.basicAuth.usernameKey ?? 'username'}`,
                password_file: `${secretsDir}/${t.basicAuth.name}/${t.basicAuth.passwordKey ?? 'password'}`,
              },
            }
          : {}),
        relabel_configs: serviceMonitorTargetRelabelings(t),
      })),
      ...(input.additionalScrapeConfigs ?? []),
    ],
  };
}

/**
 * The stack's own Prometheus: a one-replica StatefulSet with a storage claim, the generated prometheus.yml and
 * the rule groups of the PrometheusRule in a ConfigMap, and read access to the namespace's endpoints only.
 * It has no authentication of its own: serve it through the edge with auth.
 */
export class BundledPrometheus extends Construct {
  /** Scrapes `targets` (the stack's, with their intervals and auth) and evaluates `ruleGroups`. */
  constructor(scope: Construct, id: string, p: ResolvedBundledPrometheus, targets: ScrapeTarget[], ruleGroups: AlertRuleGroup[]) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const { name, labels } = p;

    // Service discovery reads EndpointSlices, Services and Pods of this namespace, nothing else.
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name, labels, pod: p.pod });
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
      subjects: [{ kind: 'ServiceAccount', name, namespace: ctx.namespace }],
    });

    const config = stringify(
      prometheusConfig({ namespace: ctx.namespace, targets, ruleFile: `${CONFIG_DIR}/rules.yaml`, additionalScrapeConfigs: p.additionalScrapeConfigs }),
    );
    const rules = stringify({ groups: ruleFileGroups(ruleGroups) });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: `${name}-config`, labels },
      data: { 'prometheus.yml': config, 'rules.yaml': rules },
    });
    // Prometheus reads its configuration at start only: a changed ConfigMap rolls the pod.
    const checksum = crypto.createHash('sha256').update(config).update(rules).digest('hex');

    const secrets = [...new Set(targets.flatMap((t) => (t.basicAuth ? [t.basicAuth.name] : [])))];
    const http = k8s.IntOrString.fromString('http');
    const prefix = p.routePrefix === '/' ? '' : p.routePrefix;
    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name, labels },
      spec: {
        serviceName: name,
        replicas: 1,
        selector: { matchLabels: p.podSelector },
        template: podTemplate(this, {
          labels,
          pod: p.pod,
          // The image runs as nobody (65534).
          identity: { user: 65534, group: 65534 },
          serviceAccountName: sa.name,
          // Kubernetes service discovery calls the API server with this token.
          automountServiceAccountToken: true,
          annotations: { 'checksum/config': checksum },
          terminationGracePeriodSeconds: 120,
          containers: [
            {
              name: 'prometheus',
              image: ctx.images.ref('prometheus'),
              args: [
                `--config.file=${CONFIG_DIR}/prometheus.yml`,
                '--storage.tsdb.path=/prometheus',
                `--storage.tsdb.retention.time=${p.retention}`,
                ...(p.externalUrl ? [`--web.external-url=${p.externalUrl}`, `--web.route-prefix=${p.routePrefix}`] : []),
              ],
              ports: [{ name: 'http', containerPort: PROMETHEUS_PORT, protocol: 'TCP' }],
              // WAL replay after a crash can take minutes on a full disk.
              ...httpProbes({ ready: `${prefix}/-/ready`, live: `${prefix}/-/healthy`, startupSeconds: 600 }),
              resources: p.resources,
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'data', mountPath: '/prometheus' },
                ...secrets.map((s, i) => ({ name: `auth-${i}`, mountPath: `${SECRETS_DIR}/${s}`, readOnly: true })),
              ],
            },
          ],
          volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, ...secrets.map((s, i) => ({ name: `auth-${i}`, secret: { secretName: s } }))],
        }),
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: p.podSelector },
            spec: {
              accessModes: ['ReadWriteOnce'],
              ...(p.storageClassName ? { storageClassName: p.storageClassName } : {}),
              resources: { requests: { storage: k8s.Quantity.fromString(p.storage) } },
            },
          },
        ],
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: p.podSelector,
        ports: [{ name: 'http', port: PROMETHEUS_PORT, targetPort: http, protocol: 'TCP', appProtocol: 'http' }],
      },
    });

    // It scrapes every target of the stack, discovers them through the Kubernetes API, and the extra ones.
    const me = podsPeer(p.podSelector);
    for (const t of targets) ctx.allow(me, podsPeer(t.podSelector), [t.portNumber], t.why.replace(/^Prometheus /, 'the bundled Prometheus '));
    ctx.allow(me, cidrPeer(p.apiServerCidrs), [443, 6443], 'the bundled Prometheus discovers targets through the Kubernetes API');
    for (const e of p.additionalScrapeEgress) {
      ctx.allow(
        me,
        namespacePeer({ namespaceLabels: namespaceNamed(e.namespace) }),
        e.ports,
        `the bundled Prometheus scrapes targets in ${e.namespace} (additionalScrapeConfigs)`,
      );
    }
    if (p.route) ctx.expose(p.route);
  }
}
