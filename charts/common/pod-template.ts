import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { ResolvedPod } from './pod-options';
import { PodIdentity, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';
import { StackContext } from './stack-context';
import { quantityValue } from './validate';

/** Room for a container's logs on the node: the kubelet keeps up to 5 files of 10 MiB by default. */
export const LOG_ALLOWANCE_BYTES = 64 * 2 ** 20;

/** What a component says about its pods; everything else comes from the stack's one pod policy. */
export interface PodTemplateProps {
  /** The pods' labels (selector and recommended labels); they win over common and per-component labels. */
  readonly labels: { [key: string]: string };
  /** The component's resolved pod options (scheduling, pod metadata). */
  readonly pod: ResolvedPod;
  /** The UID and GID the image needs; left to the platform on OpenShift. */
  readonly identity: PodIdentity;
  /** The component's ServiceAccount. */
  readonly serviceAccountName: string;
  /**
   * Mount the ServiceAccount's API token; only for pods that call the Kubernetes API under a Role.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * The containers; each gets the restricted security context (unless it states its own) and the stack's pull
   * policy, and an ephemeral-storage limit derived from the emptyDirs it mounts when none is given.
   */
  readonly containers: k8s.Container[];
  readonly initContainers?: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  readonly restartPolicy?: string;
  readonly terminationGracePeriodSeconds?: number;
  /** The component's own spread constraints (the API's replicas), before the user's. */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** Annotations of the component itself, e.g. a checksum that rolls the pods when a config changes. */
  readonly annotations?: { [key: string]: string };
}

/** Bytes of an emptyDir that counts against ephemeral storage (disk-backed, with its size limit). */
function diskEmptyDirBytes(v: k8s.Volume): number {
  if (!v.emptyDir || v.emptyDir.medium === 'Memory' || !v.emptyDir.sizeLimit) return 0;
  return quantityValue(String(v.emptyDir.sizeLimit.value));
}

/**
 * Each container's ephemeral-storage limit, when not given: its logs, plus every disk emptyDir it is the first
 * to mount — so the pod's limit (the sum) covers its volumes' size limits and the kubelet never evicts a pod for
 * using what its own volumes allow. Never below the request.
 */
function withEphemeralLimits(containers: k8s.Container[], volumes: k8s.Volume[], claimed: Set<string>): k8s.Container[] {
  return containers.map((c) => {
    const res = c.resources ?? {};
    if (res.limits?.['ephemeral-storage']) return c;
    let bytes = LOG_ALLOWANCE_BYTES;
    for (const m of c.volumeMounts ?? []) {
      const v = volumes.find((x) => x.name === m.name);
      if (v && !claimed.has(v.name)) {
        claimed.add(v.name);
        bytes += diskEmptyDirBytes(v);
      }
    }
    const request = res.requests?.['ephemeral-storage'];
    if (request) bytes = Math.max(bytes, quantityValue(String(request.value)));
    return { ...c, resources: { ...res, limits: { ...res.limits, 'ephemeral-storage': k8s.Quantity.fromString(`${Math.ceil(bytes / 2 ** 20)}Mi`) } } };
  });
}

/**
 * The one pod template of the stack: Pod Security Standards `restricted` (pod and containers), no API token and
 * no service links unless asked, the stack's pull Secrets and pull policy, the stack-wide scheduling under the
 * component's, common and per-component metadata, and ephemeral-storage limits. Every workload is built with it,
 * so a new pod-level knob is one change here and the policy tests check one place.
 */
export function podTemplate(scope: Construct, p: PodTemplateProps): k8s.PodTemplateSpec {
  const ctx = StackContext.of(scope);
  const volumes = p.volumes ?? [];
  const container = (c: k8s.Container): k8s.Container => ({
    ...c,
    imagePullPolicy: c.imagePullPolicy ?? ctx.images.pullPolicy,
    securityContext: c.securityContext ?? restrictedContainerSecurityContext(),
  });
  const appClaims = new Set<string>();
  const containers = withEphemeralLimits(p.containers.map(container), volumes, appClaims);
  // Init containers run one at a time before the others: each is limited on its own.
  const initContainers = p.initContainers?.length
    ? p.initContainers.map((c) => withEphemeralLimits([container(c)], volumes, new Set(appClaims))[0])
    : undefined;
  const selector = { matchLabels: p.labels };
  const spread = [...(p.topologySpreadConstraints ?? []), ...p.pod.topologySpreadConstraints.map((t) => ({ labelSelector: selector, ...t }))];
  const annotations = { ...ctx.commonAnnotations, ...p.pod.annotations, ...p.annotations };
  return {
    metadata: {
      labels: { ...ctx.commonLabels, ...p.pod.labels, ...p.labels },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      serviceAccountName: p.serviceAccountName,
      automountServiceAccountToken: p.automountServiceAccountToken ?? false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(ctx.platform === 'openshift' ? {} : p.identity),
      ...(ctx.imagePullSecrets.length ? { imagePullSecrets: ctx.imagePullSecrets.map((name) => ({ name })) } : {}),
      ...(p.pod.nodeSelector ? { nodeSelector: p.pod.nodeSelector } : {}),
      ...(p.pod.tolerations ? { tolerations: p.pod.tolerations } : {}),
      ...(p.pod.affinity ? { affinity: p.pod.affinity } : {}),
      ...(spread.length ? { topologySpreadConstraints: spread } : {}),
      ...(p.pod.priorityClassName ? { priorityClassName: p.pod.priorityClassName } : {}),
      restartPolicy: p.restartPolicy,
      terminationGracePeriodSeconds: p.terminationGracePeriodSeconds,
      initContainers,
      containers,
      ...(volumes.length ? { volumes } : {}),
    },
  };
}

/** Props of {@link ComponentServiceAccount}. */
export interface ComponentServiceAccountProps {
  readonly name: string;
  readonly labels: { [key: string]: string };
  /** The component's ServiceAccount annotations (cloud identities). */
  readonly pod: ResolvedPod;
}

/**
 * A component's own identity: one ServiceAccount per component. It mounts no token by default; a pod that calls
 * the Kubernetes API under a Role asks for one itself (`automountServiceAccountToken` of its template).
 */
export class ComponentServiceAccount extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: ComponentServiceAccountProps) {
    super(scope, id);
    this.name = props.name;
    const annotations = props.pod.serviceAccountAnnotations;
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: { name: props.name, labels: props.labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
      automountServiceAccountToken: false,
    });
  }
}
