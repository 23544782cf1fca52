import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { podTemplate } from '../common/pod-template';
import { restrictedContainerSecurityContext } from '../common/security';
import { PREFECT_PATHS } from '../prefect/environment';
import type { ResolvedFlowRuns } from './resolve';

/** A Prefect work pool's base job template: the job configuration with `{{ placeholders }}`, and their schema. */
export interface BaseJobTemplate {
  readonly job_configuration: { [key: string]: any };
  readonly variables: { type: 'object'; properties: { [name: string]: any }; [key: string]: any };
}

/** What the generated template is built from (the `worker.jobs:` options, resolved). */
export interface BaseJobTemplateOptions {
  /** The namespace flow-run Jobs go to unless a deployment names another. */
  readonly namespace: string;
  /** The flow-run image unless a deployment names another. */
  readonly image: string;
  readonly imagePullPolicy: string;
  /** The flow-run pods (ServiceAccount, resources, scheduling, metadata, disk). */
  readonly jobs: ResolvedFlowRuns;
  /** UID and GID of the flow-run container (undefined: the platform assigns them). */
  readonly user?: number;
  readonly group?: number;
  /** Labels on every flow-run pod, which the NetworkPolicies select. */
  readonly podLabels: Record<string, string>;
}

/** Kubernetes quantities of the template's defaults, as strings. */
function quantity(r: k8s.ResourceRequirements, kind: 'requests' | 'limits', key: string): string {
  return String(r[kind]![key].value);
}

/** Size limit of each of the flow-run pod's writable volumes (HOME and /tmp). */
export const FLOW_RUN_EMPTY_DIR = '1Gi';

const string = (title: string, description: string, def?: string) => ({ type: 'string', title, description, ...(def !== undefined ? { default: def } : {}) });
const integer = (title: string, description: string, def: number) => ({ type: 'integer', title, description, default: def, minimum: 0 });
const map = (title: string, description: string) => ({ type: 'object', title, description, additionalProperties: { type: 'string' } });

/**
 * The base job template generated from Props: prefect-kubernetes' default manifest, hardened. The security
 * context, the token and the service links are literals (a deployment cannot weaken them through job variables);
 * image, namespace, resources and timeouts are variables with our defaults, so a deployment may override them.
 */
export function baseJobTemplate(scope: Construct, o: BaseJobTemplateOptions): BaseJobTemplate {
  const placeholder = (name: string) => k8s.Quantity.fromString(`{{ ${name} }}`);
  // The stack's one pod template, with placeholders where a deployment may choose (image, command, resources).
  const template = k8s.toJson_PodTemplateSpec(
    podTemplate(scope, {
      labels: o.podLabels,
      pod: o.jobs.pod,
      identity: { user: o.user, group: o.group },
      serviceAccountName: '{{ service_account_name }}',
      restartPolicy: 'Never',
      containers: [
        {
          name: 'prefect-job',
          image: '{{ image }}',
          imagePullPolicy: '{{ image_pull_policy }}',
          // A literal list: the worker prepends the run's PREFECT_* settings and the deployment's env to it.
          env: [{ name: 'HOME', value: PREFECT_PATHS.home }],
          resources: {
            requests: {
              'cpu': placeholder('cpu_request'),
              'memory': placeholder('memory_request'),
              'ephemeral-storage': placeholder('ephemeral_storage_request'),
            },
            limits: { 'cpu': placeholder('cpu_limit'), 'memory': placeholder('memory_limit'), 'ephemeral-storage': placeholder('ephemeral_storage_limit') },
          },
          securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: o.jobs.readOnlyRootFilesystem },
          volumeMounts: [
            { name: 'home', mountPath: PREFECT_PATHS.home },
            { name: 'tmp', mountPath: PREFECT_PATHS.tmp },
          ],
        },
      ],
      volumes: [
        { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString(FLOW_RUN_EMPTY_DIR) } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString(FLOW_RUN_EMPTY_DIR) } },
      ],
    }),
  )!;
  // The command is a placeholder for the whole list (Prefect's own when unset).
  template.spec.containers[0] = { ...template.spec.containers[0], args: '{{ command }}' };
  const job_manifest = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: '{{ name }}-', labels: '{{ labels }}', annotations: '{{ annotations }}', namespace: '{{ namespace }}' },
    spec: {
      // 0: an evicted pod makes Prefect reschedule the run instead of Kubernetes re-running it behind its back.
      backoffLimit: '{{ backoff_limit }}',
      ttlSecondsAfterFinished: '{{ finished_job_ttl }}',
      template: {
        ...template,
        // Not pod fields, but prefect-kubernetes refuses a manifest without them (as its own default has them);
        // the API server drops them with a warning.
        spec: { parallelism: 1, completions: 1, ...template.spec },
      },
    },
  };
  const r = o.jobs.resources;
  return {
    job_configuration: {
      command: '{{ command }}',
      env: '{{ env }}',
      labels: '{{ labels }}',
      annotations: '{{ annotations }}',
      name: '{{ name }}',
      namespace: '{{ namespace }}',
      job_manifest,
      pod_watch_timeout_seconds: '{{ pod_watch_timeout_seconds }}',
      job_watch_timeout_seconds: '{{ job_watch_timeout_seconds }}',
      stream_output: '{{ stream_output }}',
    },
    variables: {
      type: 'object',
      properties: {
        name: string('Name', 'Name given to infrastructure created by a worker.'),
        env: map('Environment Variables', 'Environment variables to set when starting a flow run.'),
        labels: map('Labels', 'Labels applied to infrastructure created by a worker.'),
        annotations: map('Annotations', 'Annotations applied to the Kubernetes Jobs and pods created by the worker.'),
        command: string('Command', "The command to start a flow run; Prefect's own when unset."),
        namespace: string('Namespace', "The Kubernetes namespace to create Jobs in (the worker's Role must cover it).", o.namespace),
        image: string('Image', 'The image of the flow-run container.', o.image),
        image_pull_policy: {
          type: 'string',
          title: 'Image Pull Policy',
          description: 'The image pull policy of the flow-run container.',
          enum: ['IfNotPresent', 'Always', 'Never'],
          default: o.imagePullPolicy,
        },
        service_account_name: string('Service Account Name', 'The ServiceAccount of flow-run pods.', o.jobs.serviceAccountName),
        backoff_limit: integer('Backoff Limit', 'Retries of the Job by Kubernetes; at 0 Prefect reschedules an evicted run.', 0),
        finished_job_ttl: integer('Finished Job TTL', 'Seconds a finished Job is kept before Kubernetes deletes it.', o.jobs.finishedJobTtlSeconds),
        pod_watch_timeout_seconds: integer('Pod Watch Timeout Seconds', 'Seconds to wait for the flow-run pod to start.', o.jobs.podWatchTimeoutSeconds),
        job_watch_timeout_seconds: {
          type: 'integer',
          title: 'Job Watch Timeout Seconds',
          description: 'Seconds to wait for each Job event; unset waits forever.',
        },
        stream_output: { type: 'boolean', title: 'Stream Output', description: "Stream the Job's output to the worker's log.", default: true },
        cpu_request: string('CPU Request', 'CPU request of the flow-run container.', quantity(r, 'requests', 'cpu')),
        cpu_limit: string('CPU Limit', 'CPU limit of the flow-run container.', quantity(r, 'limits', 'cpu')),
        memory_request: string('Memory Request', 'Memory request of the flow-run container.', quantity(r, 'requests', 'memory')),
        memory_limit: string('Memory Limit', 'Memory limit of the flow-run container.', quantity(r, 'limits', 'memory')),
        ephemeral_storage_request: string(
          'Ephemeral Storage Request',
          'Node-local disk request of the flow-run container.',
          quantity(r, 'requests', 'ephemeral-storage'),
        ),
        ephemeral_storage_limit: string(
          'Ephemeral Storage Limit',
          'Node-local disk limit: logs and the HOME and /tmp volumes.',
          quantity(r, 'limits', 'ephemeral-storage'),
        ),
      },
    },
  };
}
