import { createHash } from 'crypto';
import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { ComponentServiceAccount, podTemplate } from '../common/pod-template';
import { StackContext } from '../common/stack-context';
import { cidrPeer, namespaceNamed, namespacePeer, podsPeer } from '../network/flow';
import { PREFECT_PATHS, prefectClientEnvironment } from '../prefect/environment';
import { ResolvedPrefectSettings } from '../prefect/settings';
import { BaseJobTemplate, baseJobTemplate } from './base-job-template';
import { ENSURE_WORK_POOL_PY } from './ensure-work-pool';
import { checkRestrictedPodSpec } from './pod-security';
import { ResolvedWorker } from './resolve';
import { WorkerRbac } from './worker-rbac';

/** The port of the worker's health endpoint (`--with-healthcheck`, PREFECT_WORKER_WEBSERVER_PORT). */
export const WORKER_HEALTH_PORT = 8080;

/** Where the worker pod mounts the base job template and the pool script. */
const CONFIG_DIR = '/etc/prefect-worker';

/**
 * A Prefect Kubernetes worker: a Deployment running `prefect worker start --type kubernetes` from Prefect's
 * `-kubernetes` image of the stack's release. An init container creates the work pool or updates its base job
 * template (generated from Props on the stack's one pod template, Pod Security Standards `restricted`). The worker
 * reaches the API through the in-cluster Service and the Kubernetes API through a namespaced Role in each job
 * namespace ({@link WorkerRbac}). Flow-run pods get the API auth string as a `secretKeyRef`, never as a value.
 */
export class PrefectWorker extends Construct {
  /** The base job template the pool gets. */
  public readonly template: BaseJobTemplate;

  constructor(scope: Construct, id: string, w: ResolvedWorker, settings: ResolvedPrefectSettings) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const f = 'worker';
    // Its own app name: a Prefect client, not a server process (no database or Redis settings).
    const labels = componentLabels({ instance: ctx.instance, name: 'prefect-worker', component: 'worker', version: settings.version, tier: 'backend' });
    const sa = new ComponentServiceAccount(this, 'ServiceAccount', { name: w.serviceAccountName, labels, pod: w.pod });
    new WorkerRbac(this, 'Rbac', w, settings.version);

    // The base job template: generated, or the user's after the same restricted check.
    this.template =
      w.baseJobTemplate ??
      baseJobTemplate(this, {
        namespace: w.jobNamespaces[0],
        image: w.jobs.image ?? ctx.images.ref('prefect'),
        imagePullPolicy: ctx.images.pullPolicy,
        jobs: w.jobs,
        user: settings.user,
        group: settings.group,
        podLabels: componentLabels({ instance: ctx.instance, name: 'prefect', component: 'flow-run', tier: 'backend' }),
      });
    // Checked on the generated template too: the test of the generator is this very check.
    checkRestrictedPodSpec(
      `${f}.baseJobTemplate.job_configuration.job_manifest.spec.template.spec`,
      this.template.job_configuration.job_manifest.spec.template.spec,
    );

    const configName = w.deploymentName;
    const templateJson = JSON.stringify(this.template, null, 2);
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configName, labels },
      data: { 'base-job-template.json': templateJson, 'ensure-work-pool.py': ENSURE_WORK_POOL_PY },
    });

    const apiUrl = `http://${w.api.serviceName}.${ctx.namespace}.svc:${w.api.port}/api`;
    const env = [
      ...prefectClientEnvironment({ apiUrl, logLevel: settings.logLevel, authSecret: settings.authSecret }),
      { name: 'PREFECT_WORKER_WEBSERVER_HOST', value: '0.0.0.0' },
      { name: 'PREFECT_WORKER_WEBSERVER_PORT', value: String(WORKER_HEALTH_PORT) },
      // Watch only the job namespaces: a cluster-wide watch would need a ClusterRole.
      { name: 'PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES', value: w.jobNamespaces.join(',') },
      // The worker passes its own settings to flow runs, auth string included: prefect-kubernetes replaces that
      // value with this secretKeyRef in the Job (a Secret of the same name must exist in the job namespace).
      ...(settings.authSecret
        ? [
            { name: 'PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_NAME', value: settings.authSecret.name },
            { name: 'PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_KEY', value: settings.authSecret.key },
          ]
        : []),
      ...w.extraEnv,
    ];
    const image = ctx.images.ref('prefectWorker');
    const mounts: k8s.VolumeMount[] = [
      { name: 'home', mountPath: PREFECT_PATHS.home },
      { name: 'tmp', mountPath: PREFECT_PATHS.tmp },
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
    ];
    const health: k8s.Probe = { httpGet: { path: '/health', port: k8s.IntOrString.fromString('health') }, timeoutSeconds: 5 };

    const initResources: k8s.ResourceRequirements = {
      requests: { 'cpu': k8s.Quantity.fromString('50m'), 'memory': k8s.Quantity.fromString('128Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
      limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('384Mi') },
    };

    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: w.deploymentName, labels, annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: {
        replicas: w.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: w.podSelector },
        template: podTemplate(this, {
          labels,
          pod: w.pod,
          identity: { user: settings.user, group: settings.group },
          serviceAccountName: sa.name,
          // The worker creates Jobs: it needs its token (its Role is namespaced and minimal).
          automountServiceAccountToken: true,
          // A new template rolls the worker, whose init container then updates the pool.
          annotations: { 'prefect-stack.io/base-job-template-sha256': createHash('sha256').update(templateJson).digest('hex').slice(0, 16) },
          initContainers: [
            {
              name: 'ensure-work-pool',
              image,
              args: ['python', `${CONFIG_DIR}/ensure-work-pool.py`],
              env: [
                ...env,
                { name: 'WORK_POOL_NAME', value: w.workPool },
                { name: 'WORK_POOL_TYPE', value: 'kubernetes' },
                { name: 'WORK_POOL_TEMPLATE', value: `${CONFIG_DIR}/base-job-template.json` },
                { name: 'WORK_POOL_WAIT_SECONDS', value: '900' },
              ],
              resources: initResources,
              volumeMounts: mounts,
            },
          ],
          containers: [
            {
              name: 'worker',
              image,
              args: [
                'prefect',
                'worker',
                'start',
                '--type',
                'kubernetes',
                '--pool',
                w.workPool,
                // /health answers 503 once no poll succeeded for 30 query intervals (5 minutes by default).
                '--with-healthcheck',
                // The image carries prefect-kubernetes; never pip-install at run time (read-only root, no egress).
                '--install-policy',
                'never',
                // The init container owns the pool; the worker must not create one with Prefect's default template.
                '--no-create-pool-if-not-found',
                ...(w.limit ? ['--limit', String(w.limit)] : []),
              ],
              env,
              ports: [{ name: 'health', containerPort: WORKER_HEALTH_PORT, protocol: 'TCP' }],
              resources: w.resources,
              startupProbe: { ...health, periodSeconds: 5, failureThreshold: 60 },
              livenessProbe: { ...health, periodSeconds: 30, failureThreshold: 3 },
              // Nothing routes to the worker; readiness shows a stalled worker in `kubectl get pods` early.
              readinessProbe: { ...health, periodSeconds: 15, failureThreshold: 2 },
              volumeMounts: mounts,
            },
          ],
          terminationGracePeriodSeconds: 30,
          volumes: [
            { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            { name: 'config', configMap: { name: configName, defaultMode: 0o444 } },
          ],
        }),
      },
    });

    // Several workers poll one pool: during a drain keep all but one polling.
    if (w.replicas >= 2) {
      new k8s.KubePodDisruptionBudget(this, 'Pdb', {
        metadata: { name: w.deploymentName, labels },
        spec: { minAvailable: k8s.IntOrString.fromNumber(w.replicas - 1), selector: { matchLabels: w.podSelector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      });
    }

    // The worker's and the flow runs' network flows.
    const worker = podsPeer(w.podSelector);
    const api = w.api.peer;
    ctx.allow(worker, api, [w.api.port], 'the worker polls the API and keeps the work pool');
    ctx.allow(worker, cidrPeer(w.kubernetesApiCidrs), w.kubernetesApiPorts, 'the worker creates and watches flow-run Jobs (Kubernetes API)');
    for (const ns of w.jobNamespaces) {
      if (ns === ctx.namespace) {
        const runs = podsPeer(w.jobs.podSelector);
        ctx.allow(runs, api, [w.api.port], 'flow runs report states and logs to the API');
        ctx.allow(runs, cidrPeer(w.jobs.egress.cidrs, w.jobs.egress.except), w.jobs.egress.ports, 'flow runs fetch code and data (worker.jobs.egress)');
      } else {
        ctx.allow(
          namespacePeer({ namespaceLabels: namespaceNamed(ns), podLabels: w.jobs.podSelector }),
          api,
          [w.api.port],
          `flow runs in ${ns} report to the API`,
        );
      }
    }
  }
}
