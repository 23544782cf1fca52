import { PodOptions } from '../common/pod-options';
import { ResourcesProps } from '../common/resources';
import { SecretKeyRef } from '../common/secrets';
import { CidrEgress } from '../network/network-options';

/** The flow-run pods the worker starts (the `worker.jobs:` section). */
export interface FlowRunJobOptions extends PodOptions {
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
export interface PrefectWorkerOptions extends PodOptions {
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
   * Worker replicas. Several poll the same pool safely (Prefect hands each run to one); from two on, a
   * PodDisruptionBudget keeps all but one polling during node drains.
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
   * @default - each key's own default (below)
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
  /**
   * Further Prefect settings of the worker read from Secret keys. The worker hands its PREFECT_* settings to the flow
   * runs as values, so they reach the flow-run Jobs (in the cluster, never in dist/).
   * @default - none
   */
  readonly extraSecretEnv?: { [name: string]: SecretKeyRef };
}
