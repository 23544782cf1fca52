/** A set of labels that selects objects (a `matchLabels` selector). */
export type Labels = { [label: string]: string };

/** The label that names a component; pods of the stack are named in the flow table by its value. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/**
 * One end of a flow: pods of the stack (by their labels), pods in other namespaces (by namespace and pod labels),
 * or addresses outside the cluster (CIDR blocks).
 */
export interface FlowPeer {
  /** `pods`: the stack's own pods; `all`: every pod of the stack; `namespace`: pods elsewhere; `cidr`: addresses. */
  readonly kind: 'pods' | 'all' | 'namespace' | 'cidr';
  /** Labels of the pods (`pods`: required and must carry {@link COMPONENT_LABEL}; `namespace`: optional). */
  readonly podLabels?: Labels;
  /** Labels of the namespaces (`namespace` only). */
  readonly namespaceLabels?: Labels;
  /** Address blocks (`cidr` only). */
  readonly cidrs?: string[];
  /** Blocks carved out of `cidrs` (e.g. the cluster's pod and service ranges). */
  readonly except?: string[];
}

/** A port of a flow. */
export interface FlowPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** One allowed connection: the single source of truth of the NetworkPolicies and of the flow table of docs/architecture.md. */
export interface Flow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  readonly ports: FlowPort[];
  /** Why the flow exists, for the flow table (docs/architecture.md). */
  readonly why: string;
}

/** Where clients connect to a server: its pods (or addresses) and port. */
export interface Endpoint {
  readonly peer: FlowPeer;
  readonly port: number;
}

/** Any address, IPv4 and IPv6. */
export const ANY_ADDRESS = ['0.0.0.0/0', '::/0'];

/** The name of a namespace as its automatic label selects it. */
export function namespaceNamed(name: string): Labels {
  return { 'kubernetes.io/metadata.name': name };
}

/** A peer for the stack's own pods. */
export function podsPeer(podLabels: Labels): FlowPeer {
  if (!podLabels[COMPONENT_LABEL]) throw new Error(`pod labels ${JSON.stringify(podLabels)} lack ${COMPONENT_LABEL}`);
  return { kind: 'pods', podLabels };
}

/** A peer for pods elsewhere, chosen by namespace labels and optionally pod labels. */
export function namespacePeer(s: { readonly namespaceLabels: Labels; readonly podLabels?: Labels }): FlowPeer {
  return { kind: 'namespace', namespaceLabels: s.namespaceLabels, podLabels: s.podLabels };
}

/** A peer for addresses. */
export function cidrPeer(cidrs: string[], except: string[] = []): FlowPeer {
  return { kind: 'cidr', cidrs, except };
}
