import * as k8s from '../../imports/k8s';
import { checkPinnedImage } from '../common/images';
import { selectorLabels } from '../common/labels';
import { ObjectNames } from '../common/names';
import { ResolvedPod, SchedulingOptions, resolvePod } from '../common/pod-options';
import { ResourceDefaults, resolveResources } from '../common/resources';
import { checkCidr, checkDnsLabel, checkInt, fail, quantityValue } from '../common/validate';
import { ANY_ADDRESS, Endpoint } from '../network/flow';
import { resolveCidrEgress } from '../network/network-options';
import { resolveExtraEnv } from '../prefect/environment';
import { checkMemoryFloor } from '../prefect/resolve';
import { BaseJobTemplate, FLOW_RUN_EMPTY_DIR } from './base-job-template';
import { LOG_ALLOWANCE_BYTES } from '../common/pod-template';
import { PrefectWorkerOptions } from './options';

const WORKER_RESOURCES: ResourceDefaults = { requests: { cpu: '100m', memory: '256Mi', ephemeralStorage: '64Mi' }, limits: { cpu: '1', memory: '768Mi' } };
/** Flow runs: their disk limit covers logs and the two writable volumes (HOME and /tmp) of the job template. */
const JOB_RESOURCES: ResourceDefaults = {
  requests: { cpu: '100m', memory: '256Mi', ephemeralStorage: '256Mi' },
  limits: { cpu: '1', memory: '1Gi', ephemeralStorage: `${(2 * quantityValue(FLOW_RUN_EMPTY_DIR) + LOG_ALLOWANCE_BYTES) / 2 ** 20}Mi` },
};
/** Settings the worker construct derives; `worker.extraEnv` may not replace them. */
const MANAGED =
  /^PREFECT_(API_URL|API_AUTH_STRING|HOME|LOGGING_LEVEL|WORKER_WEBSERVER_|INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES|INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_)/;

/** The flow-run pods, resolved (`worker.jobs`). */
export interface ResolvedFlowRuns {
  /** The flow-run ServiceAccount (in every job namespace). */
  readonly serviceAccountName: string;
  /** Labels that select flow-run pods (prefect-kubernetes overwrites `app.kubernetes.io/name`, so not that one). */
  readonly podSelector: Record<string, string>;
  /** The image unless a deployment names another; absent: the stack's Prefect image. */
  readonly image?: string;
  readonly resources: k8s.ResourceRequirements;
  readonly readOnlyRootFilesystem: boolean;
  readonly finishedJobTtlSeconds: number;
  readonly podWatchTimeoutSeconds: number;
  readonly egress: { readonly cidrs: string[]; readonly except: string[]; readonly ports: number[] };
  readonly pod: ResolvedPod;
}

/** `worker:` with defaults applied. */
export interface ResolvedWorker {
  readonly deploymentName: string;
  readonly serviceAccountName: string;
  readonly podSelector: Record<string, string>;
  readonly workPool: string;
  readonly replicas: number;
  readonly limit?: number;
  readonly resources: k8s.ResourceRequirements;
  readonly jobNamespaces: string[];
  readonly kubernetesApiCidrs: string[];
  readonly kubernetesApiPorts: number[];
  /** `extraEnv` and `extraSecretEnv`, checked, as environment variables. */
  readonly extraEnv: k8s.EnvVar[];
  /** A user's whole base job template, checked; absent: generated from `jobs`. */
  readonly baseJobTemplate?: BaseJobTemplate;
  readonly jobs: ResolvedFlowRuns;
  readonly pod: ResolvedPod;
  /** Where the worker and the flow runs reach the API. */
  readonly api: Endpoint & { readonly serviceName: string };
}

/** What the worker is resolved with. */
export interface WorkerContext {
  readonly names: ObjectNames;
  readonly namespace: string;
  readonly scheduling: SchedulingOptions;
  readonly api: Endpoint & { readonly serviceName: string };
}

/** A user's base job template: the two sections, a job manifest, and a pod spec (checked for `restricted` later). */
function checkTemplate(field: string, t: { [key: string]: any }): BaseJobTemplate {
  if (!t || typeof t !== 'object' || Array.isArray(t))
    fail(
      field,
      'is not an object',
      'give { job_configuration: …, variables: … } as `prefect work-pool get-default-base-job-template --type kubernetes` prints it',
    );
  if (!t.job_configuration || typeof t.job_configuration !== 'object')
    fail(`${field}.job_configuration`, 'is missing', 'give the job configuration with its job_manifest');
  if (!t.variables || t.variables.type !== 'object' || typeof t.variables.properties !== 'object')
    fail(`${field}.variables`, 'is not a JSON schema of type object with properties', 'give the variables schema');
  const manifest = t.job_configuration.job_manifest;
  if (!manifest || manifest.kind !== 'Job' || manifest.apiVersion !== 'batch/v1')
    fail(`${field}.job_configuration.job_manifest`, 'is not a batch/v1 Job', 'give the Job manifest with its pod template');
  if (!manifest.spec?.template?.spec) fail(`${field}.job_configuration.job_manifest.spec.template.spec`, 'is missing', 'give the pod spec');
  return t as BaseJobTemplate;
}

/** Applies the defaults of `worker:` once and checks every value; undefined with `enabled: false`. */
export function resolveWorker(o: PrefectWorkerOptions = {}, ctx: WorkerContext): ResolvedWorker | undefined {
  if (!(o.enabled ?? true)) return undefined;
  const f = 'worker';
  const workPool = o.workPool ?? 'kubernetes';
  if (typeof workPool !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(workPool)) {
    fail(`${f}.workPool`, `${JSON.stringify(o.workPool)} is not a work pool name`, "use letters, digits, '-', '_' and '.' (at most 100)");
  }
  const jobNamespaces = o.jobNamespaces ?? [ctx.namespace];
  if (!Array.isArray(jobNamespaces) || jobNamespaces.length === 0)
    fail(`${f}.jobNamespaces`, 'is empty', "list at least one namespace (or leave it out for the stack's)");
  jobNamespaces.forEach((ns, i) => checkDnsLabel(`${f}.jobNamespaces[${i}]`, ns));
  const dup = jobNamespaces.find((ns, i) => jobNamespaces.indexOf(ns) !== i);
  if (dup) fail(`${f}.jobNamespaces`, `lists "${dup}" twice`, 'list each namespace once');
  const extraEnv = resolveExtraEnv(f, o.extraEnv, o.extraSecretEnv, MANAGED);
  const jobs = o.jobs ?? {};
  const instance = ctx.names.instance;
  const workerResources = resolveResources(`${f}.resources`, o.resources, WORKER_RESOURCES);
  // The worker idles at 167 MiB RSS (test/e2e figures): a lower limit OOM-kills it at start.
  checkMemoryFloor(`${f}.resources`, workerResources, '167 MiB', '192Mi', 'the worker');
  // prefect-kubernetes overwrites app.kubernetes.io/name (with the flow's or deployment's name), part-of,
  // managed-by and version on every flow-run pod (KubernetesWorkerJobConfiguration._base_*_labels), so the
  // NetworkPolicies select flow runs by instance and component only.
  const { 'app.kubernetes.io/name': _overwritten, ...flowRunSelector } = selectorLabels({ instance, name: 'prefect', component: 'flow-run' });
  return {
    deploymentName: ctx.names.of('Deployment', 'worker'),
    serviceAccountName: ctx.names.of('ServiceAccount', 'worker'),
    podSelector: selectorLabels({ instance, name: 'prefect-worker', component: 'worker' }),
    workPool,
    replicas: checkInt(`${f}.replicas`, o.replicas ?? 1, 1, 20),
    limit: o.limit === undefined ? undefined : checkInt(`${f}.limit`, o.limit, 1, 10000),
    resources: workerResources,
    jobNamespaces,
    kubernetesApiCidrs: (o.kubernetesApiCidrs ?? ANY_ADDRESS).map((c, i) => checkCidr(`${f}.kubernetesApiCidrs[${i}]`, c)),
    kubernetesApiPorts: (o.kubernetesApiPorts ?? [443, 6443]).map((p, i) => checkInt(`${f}.kubernetesApiPorts[${i}]`, p, 1, 65535)),
    extraEnv,
    baseJobTemplate: o.baseJobTemplate ? checkTemplate(`${f}.baseJobTemplate`, o.baseJobTemplate) : undefined,
    jobs: {
      serviceAccountName: ctx.names.of('ServiceAccount', 'flow-run'),
      podSelector: flowRunSelector,
      image: jobs.image === undefined ? undefined : checkPinnedImage(`${f}.jobs.image`, jobs.image),
      resources: resolveResources(`${f}.jobs.resources`, jobs.resources, JOB_RESOURCES),
      readOnlyRootFilesystem: jobs.readOnlyRootFilesystem ?? true,
      finishedJobTtlSeconds: checkInt(`${f}.jobs.finishedJobTtlSeconds`, jobs.finishedJobTtlSeconds ?? 86400, 0, 30 * 86400),
      podWatchTimeoutSeconds: checkInt(`${f}.jobs.podWatchTimeoutSeconds`, jobs.podWatchTimeoutSeconds ?? 300, 10, 3600),
      egress: resolveCidrEgress(`${f}.jobs.egress`, jobs.egress, { cidrs: ANY_ADDRESS, ports: [443] }),
      pod: resolvePod(`${f}.jobs`, ctx.scheduling, jobs),
    },
    pod: resolvePod(f, ctx.scheduling, o),
    api: ctx.api,
  };
}
