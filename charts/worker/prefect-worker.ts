import { createHash } from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ImageCatalog } from '../common/images';
import { componentLabels, selectorLabels } from '../common/labels';
import { ResourcesProps, resolveResources } from '../common/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { checkCidr, checkDnsLabel, checkInt, checkImageTag, fail } from '../common/validate';
import { ANY_ADDRESS, CidrEgress, Flow, FlowPeer, ServingComponent, cidrPeer, namespaceNamed, namespacePeer, podsPeer } from '../network/flows';
import { ResolvedPrefectSettings } from '../prefect/prefect-settings';
import { PREFECT_PATHS, prefectClientEnvironment } from '../prefect/settings';
import { BaseJobTemplate, baseJobTemplate } from './base-job-template';
import { ENSURE_WORK_POOL_PY } from './ensure-work-pool';
import { checkRestrictedPodSpec } from './pod-security';

/** The port of the worker's health endpoint (`--with-healthcheck`, PREFECT_WORKER_WEBSERVER_PORT). */
export const WORKER_HEALTH_PORT = 8080;

/** Where the worker pod mounts the base job template and the pool script. */
const CONFIG_DIR = '/etc/prefect-worker';

/** The flow-run pods the worker starts (the `worker.jobs:` section). */
export interface FlowRunJobOptions {
  /**
   * Image of the flow-run container unless a deployment sets its own (`job_variables.image`), which is the usual
   * case: an image with the flow's code and dependencies.
   * @default - the stack's pinned Prefect image (prefecthq/prefect:<prefect.version>-python3.12)
   */
  readonly image?: string;
  /**
   * Resources of the flow-run container; a deployment may override them (`cpu_request`, `memory_limit`, …).
   * @default - requests cpu 100m / memory 256Mi, limits cpu 1 / memory 1Gi
   */
  readonly resources?: ResourcesProps;
  /**
   * A read-only root filesystem (HOME and /tmp stay writable). Flows that clone code at run time into the image's
   * working directory need a writable one (or a `set_working_directory` step to /tmp).
   * @default true - as every other pod of the stack
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Seconds a finished Job (and its pod with the logs) is kept before Kubernetes deletes it.
   * @default 86400 - a day to read `kubectl logs`, without Jobs piling up forever (Prefect's default)
   */
  readonly finishedJobTtlSeconds?: number;
  /**
   * Seconds the worker waits for a flow-run pod to start before it marks the run crashed.
   * @default 300 - the first pull of a flow image on a node takes minutes (Prefect's 60 s fails it)
   */
  readonly podWatchTimeoutSeconds?: number;
  /**
   * Egress of flow-run pods in the stack's namespace (NetworkPolicy): flows fetch code and data.
   * Flow-run pods in other namespaces are under those namespaces' policies.
   * @default - any address on TCP 443
   */
  readonly egress?: CidrEgress;
}

/** The Kubernetes worker (the `worker:` section of the configuration file). */
export interface PrefectWorkerOptions {
  /**
   * Deploy the worker. Without it, flows need a worker run elsewhere.
   * @default true - flows run out of the box
   */
  readonly enabled?: boolean;
  /**
   * The work pool the worker polls; created if missing, its base job template kept in sync at every worker start.
   * @default "kubernetes"
   */
  readonly workPool?: string;
  /**
   * Worker replicas. Several poll the same pool safely (Prefect hands each run to one).
   * @default 1 - a restarted worker only delays runs (they wait in the pool), it loses none
   */
  readonly replicas?: number;
  /**
   * At most this many flow runs at once from this worker (`--limit`).
   * @default - no limit (use the pool's concurrency limit, which an operator can change at run time)
   */
  readonly limit?: number;
  /**
   * Container resources of the worker (it submits and watches Jobs; the flows run elsewhere).
   * @default - requests cpu 100m / memory 256Mi, limits cpu 1 / memory 768Mi
   */
  readonly resources?: ResourcesProps;
  /**
   * Namespaces flow-run Jobs may go to; the first is the template's default, deployments may pick another of the
   * list. Each gets a Role for the worker and the flow-run ServiceAccount. Create them (labelled to enforce
   * Pod Security Standards `restricted`) and, with `prefect.authSecret`, copy that Secret into them.
   * @default - the stack's namespace
   */
  readonly jobNamespaces?: string[];
  /**
   * Addresses of the Kubernetes API server, which the worker calls (NetworkPolicy egress).
   * @default - any address: the API server's address differs per cluster
   */
  readonly kubernetesApiCidrs?: string[];
  /**
   * Ports of the Kubernetes API server: the `kubernetes` Service's 443, and the endpoints' port after DNAT,
   * which is what most network plugins match.
   * @default [443, 6443]
   */
  readonly kubernetesApiPorts?: number[];
  /**
   * The flow-run pods.
   * @default - see FlowRunJobOptions
   */
  readonly jobs?: FlowRunJobOptions;
  /**
   * A whole base job template (`job_configuration` and `variables`) that replaces the generated one. Its pod spec
   * must pass Pod Security Standards `restricted`, with literal security fields.
   * @default - generated from `jobs`
   */
  readonly baseJobTemplate?: { [key: string]: any };
  /**
   * Further Prefect settings of the worker (PREFECT_WORKER_*, PREFECT_INTEGRATIONS_KUBERNETES_*). The worker hands
   * every PREFECT_* setting it has to the flow runs, so never put a secret here.
   * @default - none
   */
  readonly extraEnv?: { [name: string]: string };
}

/** Props of {@link PrefectWorker}. */
export interface PrefectWorkerProps extends PrefectWorkerOptions {
  readonly instance: string;
  /** The stack's namespace (the worker's own). */
  readonly namespace: string;
  readonly images: ImageCatalog;
  readonly settings: ResolvedPrefectSettings;
  /** The API Service the worker and the flow runs call. */
  readonly apiServiceName: string;
  readonly apiPort: number;
}

const WORKER_DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '768Mi' } };
const JOB_DEFAULT_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };
/** Settings the worker construct derives; `worker.extraEnv` may not replace them. */
const MANAGED = /^PREFECT_(API_URL|API_AUTH_STRING|HOME|LOGGING_LEVEL|WORKER_WEBSERVER_|INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES|INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_)/;

/**
 * A Prefect Kubernetes worker: a Deployment running `prefect worker start --type kubernetes` from Prefect's
 * `-kubernetes` image of the stack's release. An init container creates the work pool or updates its base job
 * template (generated from Props, Pod Security Standards `restricted`). The worker reaches the API through the
 * in-cluster Service and the Kubernetes API through a namespaced Role in each job namespace: Jobs, and read
 * access to pods, their logs and events — nothing cluster-wide (its observer watches only those namespaces).
 * Flow-run pods get their own ServiceAccount without a Role or a token, and the API auth string as a
 * `secretKeyRef`, never as a value in the Job.
 */
export class PrefectWorker extends Construct {
  /** Labels that select the worker pods. */
  public readonly podSelector: Record<string, string>;
  /** Labels that select flow-run pods (set by the base job template). */
  public readonly flowRunPodSelector: Record<string, string>;
  public readonly deploymentName: string;
  public readonly workPool: string;
  public readonly jobNamespaces: string[];
  /** The base job template the pool gets. */
  public readonly template: BaseJobTemplate;
  private readonly namespace: string;
  private readonly apiCidrs: string[];
  private readonly apiPorts: number[];
  private readonly jobEgress: { cidrs: string[]; except: string[]; ports: number[] };

  constructor(scope: Construct, id: string, props: PrefectWorkerProps) {
    super(scope, id);
    const f = 'worker';
    const { instance, settings } = props;
    this.namespace = props.namespace;
    this.workPool = props.workPool ?? 'kubernetes';
    if (typeof this.workPool !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(this.workPool)) {
      fail(`${f}.workPool`, `${JSON.stringify(props.workPool)} is not a work pool name`, "use letters, digits, '-', '_' and '.' (at most 100)");
    }
    const replicas = checkInt(`${f}.replicas`, props.replicas ?? 1, 1, 20);
    const limit = props.limit === undefined ? undefined : checkInt(`${f}.limit`, props.limit, 1, 10000);
    const resources = resolveResources(`${f}.resources`, props.resources, WORKER_DEFAULT_RESOURCES);

    this.jobNamespaces = props.jobNamespaces ?? [props.namespace];
    if (!Array.isArray(this.jobNamespaces) || this.jobNamespaces.length === 0) fail(`${f}.jobNamespaces`, 'is empty', 'list at least one namespace (or leave it out for the stack\'s)');
    this.jobNamespaces.forEach((ns, i) => checkDnsLabel(`${f}.jobNamespaces[${i}]`, ns));
    const dup = this.jobNamespaces.find((ns, i) => this.jobNamespaces.indexOf(ns) !== i);
    if (dup) fail(`${f}.jobNamespaces`, `lists "${dup}" twice`, 'list each namespace once');

    this.apiCidrs = (props.kubernetesApiCidrs ?? ANY_ADDRESS).map((c, i) => checkCidr(`${f}.kubernetesApiCidrs[${i}]`, c));
    this.apiPorts = (props.kubernetesApiPorts ?? [443, 6443]).map((p, i) => checkInt(`${f}.kubernetesApiPorts[${i}]`, p, 1, 65535));
    const egress = props.jobs?.egress;
    this.jobEgress = {
      cidrs: (egress?.cidrs ?? ANY_ADDRESS).map((c, i) => checkCidr(`${f}.jobs.egress.cidrs[${i}]`, c)),
      except: (egress?.except ?? []).map((c, i) => checkCidr(`${f}.jobs.egress.except[${i}]`, c)),
      ports: (egress?.ports ?? [443]).map((p, i) => checkInt(`${f}.jobs.egress.ports[${i}]`, p, 1, 65535)),
    };

    const extraEnv = props.extraEnv ?? {};
    for (const [name, v] of Object.entries(extraEnv)) {
      if (!/^PREFECT_[A-Z0-9_]+$/.test(name)) fail(`${f}.extraEnv.${name}`, 'is not a Prefect setting', 'use the PREFECT_… name from Prefect\'s settings reference');
      if (MANAGED.test(name)) fail(`${f}.extraEnv.${name}`, 'is managed by the stack', 'set it through prefect.* or worker.* instead');
      if (typeof v !== 'string') fail(`${f}.extraEnv.${name}`, `${JSON.stringify(v)} is not a string`, 'quote the value');
    }

    // Its own app name: a Prefect client, not a server process (no database or Redis settings).
    const c = { instance, name: 'prefect-worker', component: 'worker' };
    this.podSelector = selectorLabels(c);
    const labels = componentLabels({ ...c, version: settings.version, tier: 'backend' });
    const flowRun = { instance, name: 'prefect', component: 'flow-run' };
    // prefect-kubernetes overwrites app.kubernetes.io/name (with the flow's or deployment's name), part-of,
    // managed-by and version on every flow-run pod (KubernetesWorkerJobConfiguration._base_*_labels), so the
    // NetworkPolicies select flow runs by instance and component only.
    const { 'app.kubernetes.io/name': _overwritten, ...flowRunSelector } = selectorLabels(flowRun);
    this.flowRunPodSelector = flowRunSelector;
    this.deploymentName = `${instance}-worker`;
    const workerSa = `${instance}-worker`;
    const flowRunSa = `${instance}-flow-run`;

    // The base job template: generated, or the user's after the same restricted check.
    const jobs = props.jobs ?? {};
    const jobImage = jobs.image ?? props.images.ref('prefect');
    if (jobs.image !== undefined && !jobs.image.includes('@sha256:')) checkImageTag(`${f}.jobs.image`, /:([^/:@]+)$/.exec(jobs.image)?.[1] ?? '');
    const jobResources = resolveResources(`${f}.jobs.resources`, jobs.resources, JOB_DEFAULT_RESOURCES);
    const q = (x: any) => String(x.value ?? x);
    this.template = props.baseJobTemplate ? checkTemplate(`${f}.baseJobTemplate`, props.baseJobTemplate) : baseJobTemplate({
      namespace: this.jobNamespaces[0],
      image: jobImage,
      imagePullPolicy: props.images.pullPolicy,
      serviceAccountName: flowRunSa,
      resources: {
        requests: { cpu: q(jobResources.requests!.cpu), memory: q(jobResources.requests!.memory) },
        limits: { cpu: q(jobResources.limits!.cpu), memory: q(jobResources.limits!.memory) },
      },
      user: settings.user,
      group: settings.group,
      readOnlyRootFilesystem: jobs.readOnlyRootFilesystem ?? true,
      finishedJobTtlSeconds: checkInt(`${f}.jobs.finishedJobTtlSeconds`, jobs.finishedJobTtlSeconds ?? 86400, 0, 30 * 86400),
      podWatchTimeoutSeconds: checkInt(`${f}.jobs.podWatchTimeoutSeconds`, jobs.podWatchTimeoutSeconds ?? 300, 10, 3600),
      podLabels: componentLabels({ ...flowRun, tier: 'backend' }),
    });
    // Checked on the generated template too: the test of the generator is this very check.
    checkRestrictedPodSpec(`${f}.baseJobTemplate.job_configuration.job_manifest.spec.template.spec`, this.template.job_configuration.job_manifest.spec.template.spec);

    // RBAC: the worker's own ServiceAccount, and in each job namespace a Role with only what it calls.
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: workerSa, labels } });
    for (const ns of this.jobNamespaces) {
      const nsLabels = componentLabels({ ...c, version: settings.version });
      new k8s.KubeRole(this, `Role-${ns}`, {
        metadata: { name: `${instance}-worker`, namespace: ns, labels: nsLabels },
        rules: [
          // Submit a flow run's Job, watch it, delete it when the run is cancelled.
          { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
          // Watch the pod (observer), read its logs when it crashed, read events to report why it failed to start.
          { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        ],
      });
      new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, {
        metadata: { name: `${instance}-worker`, namespace: ns, labels: nsLabels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${instance}-worker` },
        subjects: [{ kind: 'ServiceAccount', name: workerSa, namespace: props.namespace }],
      });
      // Flow runs: an identity without any Role and without a token (the template says so too).
      new k8s.KubeServiceAccount(this, `FlowRunServiceAccount-${ns}`, {
        metadata: { name: flowRunSa, namespace: ns, labels: componentLabels({ ...flowRun, version: settings.version }) },
        automountServiceAccountToken: false,
      });
    }

    const configName = `${instance}-worker`;
    const templateJson = JSON.stringify(this.template, null, 2);
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configName, labels },
      data: { 'base-job-template.json': templateJson, 'ensure-work-pool.py': ENSURE_WORK_POOL_PY },
    });

    const apiUrl = `http://${props.apiServiceName}.${props.namespace}.svc:${props.apiPort}/api`;
    const env = [
      ...prefectClientEnvironment({ apiUrl, logLevel: settings.logLevel, authSecret: settings.authSecret }),
      { name: 'PREFECT_WORKER_WEBSERVER_HOST', value: '0.0.0.0' },
      { name: 'PREFECT_WORKER_WEBSERVER_PORT', value: String(WORKER_HEALTH_PORT) },
      // Watch only the job namespaces: a cluster-wide watch would need a ClusterRole.
      { name: 'PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES', value: this.jobNamespaces.join(',') },
      // The worker passes its own settings to flow runs, auth string included: prefect-kubernetes replaces that
      // value with this secretKeyRef in the Job (a Secret of the same name must exist in the job namespace).
      ...(settings.authSecret ? [
        { name: 'PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_NAME', value: settings.authSecret.name },
        { name: 'PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_KEY', value: settings.authSecret.key },
      ] : []),
      ...Object.entries(extraEnv).map(([name, value]) => ({ name, value })),
    ];
    const image = props.images.ref('prefectWorker');
    const mounts: k8s.VolumeMount[] = [
      { name: 'home', mountPath: PREFECT_PATHS.home },
      { name: 'tmp', mountPath: PREFECT_PATHS.tmp },
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    ];
    const health: k8s.Probe = { httpGet: { path: '/health', port: k8s.IntOrString.fromString('health') }, timeoutSeconds: 5 };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: this.deploymentName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: {
            labels,
            // A new template rolls the worker, whose init container then updates the pool.
            annotations: { 'prefect-stack.io/base-job-template-sha256': createHash('sha256').update(templateJson).digest('hex').slice(0, 16) },
          },
          spec: {
            serviceAccountName: workerSa,
            // The worker creates Jobs: it needs its token (its Role is namespaced and minimal).
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ user: settings.user, group: settings.group }),
            initContainers: [{
              name: 'ensure-work-pool',
              image,
              imagePullPolicy: props.images.pullPolicy,
              args: ['python', `${CONFIG_DIR}/ensure-work-pool.py`],
              env: [
                ...env,
                { name: 'WORK_POOL_NAME', value: this.workPool },
                { name: 'WORK_POOL_TYPE', value: 'kubernetes' },
                { name: 'WORK_POOL_TEMPLATE', value: `${CONFIG_DIR}/base-job-template.json` },
                { name: 'WORK_POOL_WAIT_SECONDS', value: '900' },
              ],
              resources: resolveResources(`${f}.resources`, undefined, { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } }),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: mounts,
            }],
            containers: [{
              name: 'worker',
              image,
              imagePullPolicy: props.images.pullPolicy,
              args: [
                'prefect', 'worker', 'start', '--type', 'kubernetes', '--pool', this.workPool,
                // /health answers 503 once no poll succeeded for 30 query intervals (5 minutes by default).
                '--with-healthcheck',
                // The image carries prefect-kubernetes; never pip-install at run time (read-only root, no egress).
                '--install-policy', 'never',
                // The init container owns the pool; the worker must not create one with Prefect's default template.
                '--no-create-pool-if-not-found',
                ...(limit ? ['--limit', String(limit)] : []),
              ],
              env,
              ports: [{ name: 'health', containerPort: WORKER_HEALTH_PORT, protocol: 'TCP' }],
              resources,
              securityContext: restrictedContainerSecurityContext(),
              startupProbe: { ...health, periodSeconds: 5, failureThreshold: 60 },
              livenessProbe: { ...health, periodSeconds: 30, failureThreshold: 3 },
              // Nothing routes to the worker; readiness shows a stalled worker in `kubectl get pods` early.
              readinessProbe: { ...health, periodSeconds: 15, failureThreshold: 2 },
              volumeMounts: mounts,
            }],
            terminationGracePeriodSeconds: 30,
            volumes: [
              { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              { name: 'config', configMap: { name: configName, defaultMode: 0o444 } },
            ],
          },
        },
      },
    });
  }

  /** The worker's and the flow runs' network flows (see stackFlows' `extraFlows`). */
  public flows(api: ServingComponent): Flow[] {
    const flows: Flow[] = [];
    const add = (from: FlowPeer, to: FlowPeer, ports: number[], why: string) => flows.push({ from, to, ports: ports.map((port) => ({ port, protocol: 'TCP' as const })), why });
    const worker = podsPeer(this.podSelector);
    const apiPeer = podsPeer(api.podLabels);
    add(worker, apiPeer, [api.port], 'the worker polls the API and keeps the work pool');
    add(worker, cidrPeer(this.apiCidrs), this.apiPorts, 'the worker creates and watches flow-run Jobs (Kubernetes API)');
    for (const ns of this.jobNamespaces) {
      if (ns === this.namespace) {
        const runs = podsPeer(this.flowRunPodSelector);
        add(runs, apiPeer, [api.port], 'flow runs report states and logs to the API');
        add(runs, cidrPeer(this.jobEgress.cidrs, this.jobEgress.except), this.jobEgress.ports, 'flow runs fetch code and data (worker.jobs.egress)');
      } else {
        add(namespacePeer({ namespaceLabels: namespaceNamed(ns), podLabels: this.flowRunPodSelector }), apiPeer, [api.port], `flow runs in ${ns} report to the API`);
      }
    }
    return flows;
  }
}

/** A user's base job template: the two sections, a job manifest, and a restricted pod spec. */
function checkTemplate(field: string, t: { [key: string]: any }): BaseJobTemplate {
  if (!t || typeof t !== 'object' || Array.isArray(t)) fail(field, 'is not an object', 'give { job_configuration: …, variables: … } as `prefect work-pool get-default-base-job-template --type kubernetes` prints it');
  if (!t.job_configuration || typeof t.job_configuration !== 'object') fail(`${field}.job_configuration`, 'is missing', 'give the job configuration with its job_manifest');
  if (!t.variables || t.variables.type !== 'object' || typeof t.variables.properties !== 'object') fail(`${field}.variables`, 'is not a JSON schema of type object with properties', 'give the variables schema');
  const manifest = t.job_configuration.job_manifest;
  if (!manifest || manifest.kind !== 'Job' || manifest.apiVersion !== 'batch/v1') fail(`${field}.job_configuration.job_manifest`, 'is not a batch/v1 Job', 'give the Job manifest with its pod template');
  if (!manifest.spec?.template?.spec) fail(`${field}.job_configuration.job_manifest.spec.template.spec`, 'is missing', 'give the pod spec');
  return t as BaseJobTemplate;
}
