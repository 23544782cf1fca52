import * as k8s from '../../imports/k8s';
import { checkAnnotations, checkDnsSubdomain, checkInt, checkLabels, fail, isQualifiedName } from './validate';

/** A toleration of a node taint, as in a pod spec. */
export interface Toleration {
  /**
   * The taint key; empty (with operator `Exists`) tolerates every taint.
   * @default - every key (needs operator Exists)
   */
  readonly key?: string;
  /**
   * `Equal` matches `value`; `Exists` matches any value of the key.
   * @default "Equal"
   */
  readonly operator?: 'Equal' | 'Exists';
  /**
   * The taint value (operator `Equal` only).
   * @default ""
   */
  readonly value?: string;
  /**
   * The taint effect tolerated.
   * @default - every effect
   */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /**
   * How long a `NoExecute` taint is tolerated before the pod is evicted.
   * @default - forever
   */
  readonly tolerationSeconds?: number;
}

/**
 * Where pods run. Given at the top level (`scheduling:`) it applies to every pod of the stack; a component's own
 * key of the same name replaces it for that component (a list or object is replaced whole, not merged).
 */
export interface SchedulingOptions {
  /**
   * Node labels a pod requires, e.g. `{ node-pool: prefect }`.
   * @default - any node
   */
  readonly nodeSelector?: { [label: string]: string };
  /**
   * Taints the pods tolerate, e.g. of a dedicated node pool.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * Node and pod (anti-)affinity, as in a pod spec.
   * @default - none
   */
  readonly affinity?: k8s.Affinity;
  /**
   * Further topology spread constraints; a constraint without `labelSelector` spreads the component's own pods.
   * @default - none (the API spreads its replicas by `api.spread`)
   */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /**
   * PriorityClass of the pods.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
}

/** A component's pods: scheduling (over the stack-wide `scheduling:`) and the pods' own metadata. */
export interface PodOptions extends SchedulingOptions {
  /**
   * Annotations on the component's pods (service-mesh injection, Vault agent, …), over `commonAnnotations`.
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };
  /**
   * Labels on the component's pods (cost allocation, …), over `commonLabels`. The stack's own labels cannot be replaced.
   * @default - none
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * The component's own ServiceAccount (it never gets an API token unless it calls the Kubernetes API).
   * @default - a ServiceAccount named after the component, without annotations
   */
  readonly serviceAccount?: ServiceAccountOptions;
}

/** The ServiceAccount of a component. */
export interface ServiceAccountOptions {
  /**
   * Annotations of the ServiceAccount, for cloud identities: `eks.amazonaws.com/role-arn` (IRSA),
   * `iam.gke.io/gcp-service-account` (GKE Workload Identity), `azure.workload.identity/client-id`.
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** A component's pod options with the stack-wide defaults applied and every value checked. */
export interface ResolvedPod {
  readonly nodeSelector?: { [label: string]: string };
  readonly tolerations?: Toleration[];
  readonly affinity?: k8s.Affinity;
  readonly topologySpreadConstraints: k8s.TopologySpreadConstraint[];
  readonly priorityClassName?: string;
  readonly annotations: { [key: string]: string };
  readonly labels: { [key: string]: string };
  readonly serviceAccountAnnotations: { [key: string]: string };
}

/** Label prefixes the stack sets itself: selectors and NetworkPolicies depend on them. */
export const RESERVED_LABEL_PREFIXES = ['app.kubernetes.io/', 'prefect-stack.io/'];

function checkTolerations(field: string, tolerations: Toleration[] | undefined): Toleration[] | undefined {
  if (tolerations === undefined) return undefined;
  if (!Array.isArray(tolerations))
    fail(field, 'is not a list', 'list tolerations, e.g. [{ key: dedicated, operator: Equal, value: prefect, effect: NoSchedule }]');
  return tolerations.map((t, i) => {
    const f = `${field}[${i}]`;
    const operator = t.operator ?? 'Equal';
    if (!['Equal', 'Exists'].includes(operator)) fail(`${f}.operator`, `"${t.operator}" is not a toleration operator`, 'use Equal or Exists');
    if (t.effect !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect))
      fail(`${f}.effect`, `"${t.effect}" is not a taint effect`, 'use NoSchedule, PreferNoSchedule or NoExecute (or leave it out for all)');
    if (t.key !== undefined && t.key !== '' && !isQualifiedName(t.key))
      fail(`${f}.key`, `"${t.key}" is not a taint key`, 'use a label-style key such as dedicated or example.com/pool');
    if (!t.key && operator !== 'Exists')
      fail(`${f}.operator`, 'must be Exists when key is empty', 'set operator: Exists (tolerate every taint) or give the key');
    if (operator === 'Exists' && t.value) fail(`${f}.value`, 'is set with operator Exists', 'remove the value, or use operator Equal');
    if (t.value !== undefined && !/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(t.value))
      fail(`${f}.value`, `"${t.value}" is not a taint value`, 'use at most 63 letters, digits, "-", "_" and "."');
    if (t.tolerationSeconds !== undefined) {
      if (t.effect !== 'NoExecute')
        fail(
          `${f}.tolerationSeconds`,
          'is set without effect NoExecute',
          'tolerationSeconds only applies to NoExecute taints: set effect: NoExecute or remove it',
        );
      checkInt(`${f}.tolerationSeconds`, t.tolerationSeconds, 0);
    }
    return t;
  });
}

function checkSpread(field: string, constraints: k8s.TopologySpreadConstraint[] | undefined): k8s.TopologySpreadConstraint[] {
  if (constraints === undefined) return [];
  if (!Array.isArray(constraints)) fail(field, 'is not a list', 'list topology spread constraints');
  const seen = new Set<string>();
  return constraints.map((c, i) => {
    const f = `${field}[${i}]`;
    if (!c || typeof c.topologyKey !== 'string' || !isQualifiedName(c.topologyKey))
      fail(`${f}.topologyKey`, `${JSON.stringify(c?.topologyKey)} is not a node label key`, 'use e.g. kubernetes.io/hostname or topology.kubernetes.io/zone');
    checkInt(`${f}.maxSkew`, c.maxSkew, 1);
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable))
      fail(`${f}.whenUnsatisfiable`, `"${c.whenUnsatisfiable}" is not supported`, 'use DoNotSchedule or ScheduleAnyway');
    if (c.minDomains !== undefined) {
      checkInt(`${f}.minDomains`, c.minDomains, 1);
      if (c.whenUnsatisfiable !== 'DoNotSchedule')
        fail(`${f}.minDomains`, 'is set with whenUnsatisfiable ScheduleAnyway', 'minDomains needs whenUnsatisfiable: DoNotSchedule');
    }
    const key = `${c.topologyKey}/${c.whenUnsatisfiable}`;
    if (seen.has(key))
      fail(
        f,
        `repeats topologyKey ${c.topologyKey} with ${c.whenUnsatisfiable}`,
        'keep one constraint per topology key and whenUnsatisfiable (the API server refuses duplicates)',
      );
    seen.add(key);
    return c;
  });
}

/** Checks the stack-wide `scheduling:` section. */
export function resolveScheduling(field: string, s: SchedulingOptions = {}): SchedulingOptions {
  return {
    nodeSelector: s.nodeSelector === undefined ? undefined : checkLabels(`${field}.nodeSelector`, s.nodeSelector),
    tolerations: checkTolerations(`${field}.tolerations`, s.tolerations),
    affinity: s.affinity === undefined ? undefined : checkAffinity(`${field}.affinity`, s.affinity),
    topologySpreadConstraints:
      s.topologySpreadConstraints === undefined ? undefined : checkSpread(`${field}.topologySpreadConstraints`, s.topologySpreadConstraints),
    priorityClassName: s.priorityClassName === undefined ? undefined : checkDnsSubdomain(`${field}.priorityClassName`, s.priorityClassName),
  };
}

function checkAffinity(field: string, a: k8s.Affinity): k8s.Affinity {
  if (typeof a !== 'object' || a === null || Array.isArray(a))
    fail(field, 'is not an affinity object', 'give nodeAffinity, podAffinity and/or podAntiAffinity as in a pod spec');
  return a;
}

/**
 * A component's pods: its own keys over the stack-wide `scheduling`, each checked, with `field` (the component's
 * configuration key, e.g. `api`) in every message.
 */
export function resolvePod(field: string, stack: SchedulingOptions, own: PodOptions = {}): ResolvedPod {
  const mine = resolveScheduling(field, own);
  const labels = checkLabels(`${field}.podLabels`, own.podLabels);
  for (const k of Object.keys(labels)) {
    if (RESERVED_LABEL_PREFIXES.some((p) => k.startsWith(p)))
      fail(`${field}.podLabels.${k}`, 'is a label the stack sets itself', `choose a key outside ${RESERVED_LABEL_PREFIXES.join(' and ')}`);
  }
  return {
    nodeSelector: mine.nodeSelector ?? stack.nodeSelector,
    tolerations: mine.tolerations ?? stack.tolerations,
    affinity: mine.affinity ?? stack.affinity,
    topologySpreadConstraints: mine.topologySpreadConstraints ?? stack.topologySpreadConstraints ?? [],
    priorityClassName: mine.priorityClassName ?? stack.priorityClassName,
    annotations: checkAnnotations(`${field}.podAnnotations`, own.podAnnotations),
    labels,
    serviceAccountAnnotations: checkAnnotations(`${field}.serviceAccount.annotations`, own.serviceAccount?.annotations),
  };
}
