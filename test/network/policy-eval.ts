/**
 * A NetworkPolicy evaluator for the tests: given the synthesized policies, decides whether a connection is
 * allowed, with the semantics of networking.k8s.io/v1 (a pod selected by no policy of a type is not isolated for
 * that type; a selected pod allows the union of its policies' rules; a connection needs the source's egress and the
 * destination's ingress). Limits, stated: matchLabels selectors only (the stack emits no matchExpressions; they
 * throw), ipBlocks match only the address sets written the same way (block and exceptions), never pods (what a network plugin does with
 * pod IPs inside an ipBlock is implementation-defined; the README says so).
 */
import { FlowPeer, Labels, describePeer, describePorts, FlowPort, COMPONENT_LABEL } from '../../charts';
import { Obj, podTemplates } from '../util';

/** Something that sends or receives: a pod (in the stack's namespace or elsewhere) or a set of addresses. */
export type Endpoint =
  { kind: 'pod'; name: string; labels: Labels; namespaceLabels: Labels; inStack: boolean } | { kind: 'cidr'; name: string; cidrs: string[]; except?: string[] };

function selects(selector: any, labels: Labels): boolean {
  if (!selector) return true;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not supported by this evaluator');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function peerMatches(peer: any, e: Endpoint, policyNamespace: Labels): boolean {
  // Address sets are compared as written (block and exceptions), like the table writes them.
  if (peer.ipBlock)
    return e.kind === 'cidr' && e.cidrs.includes(peer.ipBlock.cidr) && sameSet(relevant(peer.ipBlock.cidr, e.except), peer.ipBlock.except ?? []);
  if (e.kind !== 'pod') return false;
  if (peer.namespaceSelector) return selects(peer.namespaceSelector, e.namespaceLabels) && selects(peer.podSelector, e.labels);
  // podSelector alone: pods of the policy's own namespace.
  const sameNamespace = Object.entries(policyNamespace).every(([k, v]) => e.namespaceLabels[k] === v);
  return sameNamespace && selects(peer.podSelector, e.labels);
}

const sameSet = (a: string[], b: string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
const relevant = (cidr: string, except: string[] = []) => except.filter((x) => x.includes(':') === cidr.includes(':'));

function portMatches(rulePorts: any[] | undefined, port: FlowPort): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some(
    (p) =>
      (p.protocol ?? 'TCP') === port.protocol &&
      (p.port === undefined || p.port === port.port || (p.endPort !== undefined && port.port >= p.port && port.port <= p.endPort)),
  );
}

export class PolicyEvaluator {
  constructor(
    private readonly policies: Obj[],
    private readonly namespaceLabels: Labels,
  ) {}

  private direction(pod: Endpoint & { kind: 'pod' }, type: 'Ingress' | 'Egress', other: Endpoint, port: FlowPort): boolean {
    const selecting = this.policies.filter((p) => selects(p.spec.podSelector, pod.labels) && (p.spec.policyTypes ?? ['Ingress']).includes(type));
    if (selecting.length === 0) return true; // not isolated
    return selecting.some((p) =>
      ((type === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule: any) => {
        const peers = type === 'Ingress' ? rule.from : rule.to;
        const peerOk = !peers || peers.length === 0 || peers.some((peer: any) => peerMatches(peer, other, this.namespaceLabels));
        return peerOk && portMatches(rule.ports, port);
      }),
    );
  }

  /** Whether `from` may open a connection to `to` on `port`. */
  public allowed(from: Endpoint, to: Endpoint, port: FlowPort): boolean {
    if (from.kind === 'pod' && from.inStack && !this.direction(from, 'Egress', to, port)) return false;
    if (to.kind === 'pod' && to.inStack && !this.direction(to, 'Ingress', from, port)) return false;
    return (from.kind === 'pod' && from.inStack) || (to.kind === 'pod' && to.inStack);
  }
}

/** The stack's pods, one endpoint per component, from the synthesized workloads. */
export function stackPods(objs: Obj[], namespaceLabels: Labels): Array<Endpoint & { kind: 'pod' }> {
  const byComponent = new Map<string, Endpoint & { kind: 'pod' }>();
  for (const { template } of podTemplates(objs)) {
    const labels = template.metadata.labels as Labels;
    const name = labels[COMPONENT_LABEL];
    byComponent.set(name, { kind: 'pod', name, labels, namespaceLabels, inStack: true });
  }
  return [...byComponent.values()];
}

/** Pods elsewhere and address sets, as the policies name them. */
export function outsideEndpoints(policies: Obj[]): Endpoint[] {
  const found = new Map<string, Endpoint>();
  for (const p of policies) {
    for (const rule of [...(p.spec.ingress ?? []).map((r: any) => r.from), ...(p.spec.egress ?? []).map((r: any) => r.to)]) {
      const blocks = (rule ?? []).filter((peer: any) => peer.ipBlock);
      if (blocks.length) {
        const peer: FlowPeer = {
          kind: 'cidr',
          cidrs: blocks.map((b: any) => b.ipBlock.cidr),
          except: [...new Set<string>(blocks.flatMap((b: any) => b.ipBlock.except ?? []))],
        };
        found.set(describePeer(peer), { kind: 'cidr', name: describePeer(peer), cidrs: peer.cidrs!, except: peer.except });
      }
      for (const peer of (rule ?? []).filter((x: any) => x.namespaceSelector)) {
        const fp: FlowPeer = { kind: 'namespace', namespaceLabels: peer.namespaceSelector.matchLabels ?? {}, podLabels: peer.podSelector?.matchLabels };
        found.set(describePeer(fp), { kind: 'pod', name: describePeer(fp), labels: fp.podLabels ?? {}, namespaceLabels: fp.namespaceLabels!, inStack: false });
      }
    }
  }
  return [...found.values()];
}

/** Every port any policy names. */
export function policyPorts(policies: Obj[]): FlowPort[] {
  const ports = new Map<string, FlowPort>();
  for (const p of policies) {
    for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) {
      for (const port of rule.ports ?? []) ports.set(`${port.port}/${port.protocol ?? 'TCP'}`, { port: port.port, protocol: port.protocol ?? 'TCP' });
    }
  }
  return [...ports.values()];
}

/**
 * The flow table (from, to, ports) as the synthesized policies allow it, found by asking the evaluator about
 * every pair of endpoints and every port. A destination and port reached from every pod of the stack is written
 * as "every pod of the stack" when a policy for every pod (podSelector {}) allows it, as the flow list writes it.
 */
export function derivedRows(objs: Obj[], namespace: string): Array<{ from: string; to: string; ports: string }> {
  const policies = objs.filter((o) => o.kind === 'NetworkPolicy');
  const nsLabels = { 'kubernetes.io/metadata.name': namespace };
  const ev = new PolicyEvaluator(policies, nsLabels);
  const pods = stackPods(objs, nsLabels);
  // Pods no manifest templates but that run in the namespace (e.g. flow-run pods a worker creates): the policies
  // written for them name them.
  for (const p of policies) {
    const labels = p.spec.podSelector?.matchLabels as Labels | undefined;
    const name = labels?.[COMPONENT_LABEL];
    if (name && !pods.some((x) => x.name === name)) pods.push({ kind: 'pod', name, labels, namespaceLabels: nsLabels, inStack: true });
  }
  const endpoints: Endpoint[] = [...pods, ...outsideEndpoints(policies)];
  const ports = policyPorts(policies);
  const label = (e: Endpoint) => (e.kind === 'pod' && e.inStack ? `\`${e.name}\`` : e.name);
  const allowed = new Map<string, FlowPort[]>();
  const add = (from: string, to: string, port: FlowPort) => {
    const key = `${from}\u0000${to}`;
    allowed.set(key, [...(allowed.get(key) ?? []), port]);
  };
  for (const to of endpoints) {
    for (const port of ports) {
      const senders = endpoints.filter((from) => from !== to && ev.allowed(from, to, port));
      // A pod with no labels is selected only by policies for every pod (podSelector {}): what it may reach, every
      // pod of the stack may reach.
      const anyPod: Endpoint = { kind: 'pod', name: '*', labels: {}, namespaceLabels: nsLabels, inStack: true };
      const everyPod = ev.allowed(anyPod, to, port);
      for (const from of senders) {
        if (everyPod && from.kind === 'pod' && from.inStack) continue;
        add(label(from), label(to), port);
      }
      if (everyPod) add('every pod of the stack', label(to), port);
    }
  }
  return [...allowed.entries()]
    .map(([k, p]) => {
      const [from, to] = k.split('\u0000');
      return { from, to, ports: describePorts(p) };
    })
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}
