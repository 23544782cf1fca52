import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import { componentLabels } from '../common/labels';
import { StackContext } from '../common/stack-context';
import { COMPONENT_LABEL, Flow, FlowPeer, Labels } from './flow';

function peerOf(p: FlowPeer): k8s.NetworkPolicyPeer[] {
  switch (p.kind) {
    case 'all':
      return [{ podSelector: {} }];
    case 'pods':
      return [{ podSelector: { matchLabels: p.podLabels } }];
    case 'namespace':
      return [{ namespaceSelector: { matchLabels: p.namespaceLabels }, ...(p.podLabels ? { podSelector: { matchLabels: p.podLabels } } : {}) }];
    case 'cidr':
      return (p.cidrs ?? []).map((cidr) => ({
        ipBlock: { cidr, ...(relevantExcept(cidr, p.except).length ? { except: relevantExcept(cidr, p.except) } : {}) },
      }));
  }
}

/** `except` entries must lie inside their block: keep IPv4 exceptions on IPv4 blocks, IPv6 on IPv6. */
function relevantExcept(cidr: string, except: string[] = []): string[] {
  return except.filter((e) => e.includes(':') === cidr.includes(':'));
}

function portsOf(f: Flow): k8s.NetworkPolicyPort[] {
  return f.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
}

// Code-unit order: only a grouping key, and localeCompare's first call builds an ICU collator (≈ 10 ms of a synth).
const key = (l: Labels) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The seed's frontend/backend networks as NetworkPolicies: one policy denies every ingress and egress of every
 * pod of the namespace, and one policy per component allows exactly the flows that start or end there (egress on
 * the client's side, ingress on the server's side, so a flow needs both ends to agree). Every policy lists both
 * policy types, so a missing rule means "denied", never "not managed".
 */
export class StackNetworkPolicies extends Construct {
  /** The names of the policies, in order. */
  public readonly policyNames: string[] = [];

  /** Renders `flows` (by default every flow the stack's tiers declared so far: build it last). */
  constructor(scope: Construct, id: string, flows: Flow[] = StackContext.of(scope).flows) {
    super(scope, id);
    const { instance } = StackContext.of(this);
    const labels = componentLabels({ instance, name: 'prefect-stack', component: 'network-policy' });
    const policy = (
      pid: string,
      name: string,
      podSelector: k8s.LabelSelector,
      ingress: k8s.NetworkPolicyIngressRule[],
      egress: k8s.NetworkPolicyEgressRule[],
    ) => {
      this.policyNames.push(name);
      new k8s.KubeNetworkPolicy(this, pid, {
        metadata: { name, labels },
        // An empty rule list is omitted: the API server drops it, so emitting it would make every re-apply a change.
        spec: { podSelector, policyTypes: ['Ingress', 'Egress'], ...(ingress.length ? { ingress } : {}), ...(egress.length ? { egress } : {}) },
      });
    };

    policy('DefaultDeny', `${instance}-default-deny`, {}, [], []);

    // Group the flows by the stack's pods they start or end at.
    const groups = new Map<
      string,
      { id: string; podSelector: k8s.LabelSelector; ingress: k8s.NetworkPolicyIngressRule[]; egress: k8s.NetworkPolicyEgressRule[] }
    >();
    const group = (p: FlowPeer) => {
      const k = p.kind === 'all' ? '*' : key(p.podLabels!);
      if (!groups.has(k)) {
        const component = p.kind === 'all' ? 'all-pods' : p.podLabels![COMPONENT_LABEL];
        groups.set(k, { id: component, podSelector: p.kind === 'all' ? {} : { matchLabels: p.podLabels }, ingress: [], egress: [] });
      }
      return groups.get(k)!;
    };
    for (const f of flows) {
      const fromHere = f.from.kind === 'pods' || f.from.kind === 'all';
      const toHere = f.to.kind === 'pods' || f.to.kind === 'all';
      if (!fromHere && !toHere) throw new Error(`flow "${f.why}" neither starts nor ends in the stack's namespace`);
      if (fromHere) group(f.from).egress.push({ to: peerOf(f.to), ports: portsOf(f) });
      if (toHere) group(f.to).ingress.push({ from: peerOf(f.from), ports: portsOf(f) });
    }
    // Rules in a stable order, whatever order the tiers declared them in: a new flow adds a rule, not a reshuffle.
    const sorted = <T>(rules: T[]) => [...rules].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    for (const g of groups.values()) {
      policy(`Allow-${g.id}`, `${instance}-allow-${g.id}`, g.podSelector, sorted(g.ingress), sorted(g.egress));
    }
  }
}
