import { checkCidr, checkInt, fail } from '../common/validate';

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

/** One allowed connection: the single source of truth of the NetworkPolicies and of the README's flow table. */
export interface Flow {
  readonly from: FlowPeer;
  readonly to: FlowPeer;
  readonly ports: FlowPort[];
  /** Why the flow exists, for the README. */
  readonly why: string;
}

/** Pods elsewhere in the cluster, chosen by namespace labels and optionally pod labels. */
export interface PeerSelector {
  /** Labels of the namespace, e.g. `{ kubernetes.io/metadata.name: ingress-nginx }`. */
  readonly namespaceLabels: Labels;
  /**
   * Labels of the pods in those namespaces.
   * @default - every pod of the selected namespaces
   */
  readonly podLabels?: Labels;
}

/** Egress to addresses outside the cluster. */
export interface CidrEgress {
  /** Address blocks, e.g. `203.0.113.0/24` or `0.0.0.0/0`. */
  readonly cidrs: string[];
  /**
   * Blocks excluded from `cidrs`. Put the cluster's pod and service ranges here when `cidrs` is `0.0.0.0/0`:
   * whether an ipBlock also matches pod IPs is up to the network plugin.
   * @default - none
   */
  readonly except?: string[];
  /**
   * Destination ports (TCP).
   * @default [443]
   */
  readonly ports?: number[];
}

/** The `networkPolicies:` section of the configuration file. */
export interface NetworkPoliciesOptions {
  /**
   * Emit the NetworkPolicies (default deny plus the flows of the README's table).
   * @default true - the seed's frontend/backend network split, enforced
   */
  readonly enabled?: boolean;
  /**
   * Where the edge's proxies run (they connect to the API and the admin UIs).
   * @default - Ingress-NGINX: namespace `ingress-nginx`; Gateway API: the Gateway's namespace
   */
  readonly edgeFrom?: PeerSelector;
  /**
   * Where Prometheus runs (it scrapes every metrics port).
   * @default - namespace `monitoring`
   */
  readonly prometheusFrom?: PeerSelector;
  /**
   * Where cluster DNS runs.
   * @default - pods `k8s-app: kube-dns` in namespace `kube-system` (CoreDNS keeps that label)
   */
  readonly dns?: PeerSelector;
  /**
   * Ports the DNS pods listen on. A NetworkPolicy matches the pod's port after the Service's translation, not the
   * Service's port 53: OpenShift's DNS pods listen on 5353, a non-root CoreDNS on e.g. 1053.
   * @default [53] - CoreDNS and kube-dns on kubeadm, EKS, GKE, AKS and k3s
   */
  readonly dnsPorts?: number[];
  /**
   * Prefect workers (and other API clients) inside the cluster that reach the API directly on port 4200.
   * @default - none: in-cluster clients go through the edge, or are listed here
   */
  readonly workersFrom?: PeerSelector[];
  /**
   * Egress of the API and background services to the Internet (webhooks, automations' notifications, Slack…).
   * @default - none: Prefect's server pods reach only Postgres, Redis and DNS
   */
  readonly internetEgress?: CidrEgress;
  /**
   * Where an external PostgreSQL is (`database.external`).
   * @default - any address on the database port (the host is a DNS name whose addresses can change)
   */
  readonly externalDatabaseCidrs?: string[];
  /**
   * Where an external Redis is (`redis.external`).
   * @default - any address on the Redis port
   */
  readonly externalRedisCidrs?: string[];
}

/** NetworkPolicies options with defaults applied. */
export interface ResolvedNetworkPolicies {
  readonly enabled: boolean;
  readonly edgeFrom?: PeerSelector;
  readonly prometheusFrom: PeerSelector;
  readonly dns: PeerSelector;
  readonly dnsPorts: number[];
  readonly workersFrom: PeerSelector[];
  readonly internetEgress?: { cidrs: string[]; except: string[]; ports: number[] };
  readonly externalDatabaseCidrs: string[];
  readonly externalRedisCidrs: string[];
}

/** Any address, IPv4 and IPv6. */
export const ANY_ADDRESS = ['0.0.0.0/0', '::/0'];

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkLabels(field: string, labels: Labels | undefined, required: boolean): Labels | undefined {
  if (labels === undefined) {
    if (required) fail(field, 'is missing', 'give at least one label, e.g. { kubernetes.io/metadata.name: monitoring }');
    return undefined;
  }
  if (typeof labels !== 'object' || Array.isArray(labels) || (required && Object.keys(labels).length === 0)) {
    fail(field, 'is not a non-empty map of labels', 'write labels as key: value pairs');
  }
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) fail(`${field}.${k}`, 'is not a label key', 'use an optional DNS prefix and a name of letters, digits, -, _ and .');
    if (typeof v !== 'string' || !LABEL_VALUE.test(v)) fail(`${field}.${k}`, `${JSON.stringify(v)} is not a label value`, 'quote it; at most 63 letters, digits, -, _ and .');
  }
  return labels;
}

function checkSelector(field: string, s: PeerSelector): PeerSelector {
  if (!s || typeof s !== 'object') fail(field, 'is missing', 'give namespaceLabels (and optionally podLabels)');
  return {
    namespaceLabels: checkLabels(`${field}.namespaceLabels`, s.namespaceLabels, true)!,
    podLabels: checkLabels(`${field}.podLabels`, s.podLabels, false),
  };
}

function checkCidrs(field: string, cidrs: string[]): string[] {
  if (!Array.isArray(cidrs) || cidrs.length === 0) fail(field, 'is empty', 'list at least one CIDR block, e.g. 203.0.113.0/24');
  return cidrs.map((c, i) => checkCidr(`${field}[${i}]`, c));
}

function checkPorts(field: string, ports: number[]): number[] {
  if (!Array.isArray(ports) || ports.length === 0) fail(field, 'is empty', 'list at least one port, e.g. [53]');
  return ports.map((p, i) => checkInt(`${field}[${i}]`, p, 1, 65535));
}

/** The name of a namespace as its automatic label selects it. */
export function namespaceNamed(name: string): Labels {
  return { 'kubernetes.io/metadata.name': name };
}

/** Applies the defaults of `networkPolicies:` and checks every value. */
export function resolveNetworkPolicies(o: NetworkPoliciesOptions = {}, defaultEdgeFrom?: PeerSelector): ResolvedNetworkPolicies {
  const f = 'networkPolicies';
  const internet = o.internetEgress && {
    cidrs: checkCidrs(`${f}.internetEgress.cidrs`, o.internetEgress.cidrs),
    except: (o.internetEgress.except ?? []).map((c, i) => checkCidr(`${f}.internetEgress.except[${i}]`, c)),
    ports: (o.internetEgress.ports ?? [443]).map((p, i) => checkInt(`${f}.internetEgress.ports[${i}]`, p, 1, 65535)),
  };
  return {
    enabled: o.enabled ?? true,
    edgeFrom: o.edgeFrom ? checkSelector(`${f}.edgeFrom`, o.edgeFrom) : defaultEdgeFrom,
    prometheusFrom: checkSelector(`${f}.prometheusFrom`, o.prometheusFrom ?? { namespaceLabels: namespaceNamed('monitoring') }),
    dns: checkSelector(`${f}.dns`, o.dns ?? { namespaceLabels: namespaceNamed('kube-system'), podLabels: { 'k8s-app': 'kube-dns' } }),
    dnsPorts: checkPorts(`${f}.dnsPorts`, o.dnsPorts ?? [53]),
    workersFrom: (o.workersFrom ?? []).map((w, i) => checkSelector(`${f}.workersFrom[${i}]`, w)),
    internetEgress: internet,
    externalDatabaseCidrs: o.externalDatabaseCidrs ? checkCidrs(`${f}.externalDatabaseCidrs`, o.externalDatabaseCidrs) : ANY_ADDRESS,
    externalRedisCidrs: o.externalRedisCidrs ? checkCidrs(`${f}.externalRedisCidrs`, o.externalRedisCidrs) : ANY_ADDRESS,
  };
}

/** A peer for the stack's own pods. */
export function podsPeer(podLabels: Labels): FlowPeer {
  if (!podLabels[COMPONENT_LABEL]) throw new Error(`pod labels ${JSON.stringify(podLabels)} lack ${COMPONENT_LABEL}`);
  return { kind: 'pods', podLabels };
}

/** A peer for pods elsewhere. */
export function namespacePeer(s: PeerSelector): FlowPeer {
  return { kind: 'namespace', namespaceLabels: s.namespaceLabels, podLabels: s.podLabels };
}

/** A peer for addresses. */
export function cidrPeer(cidrs: string[], except: string[] = []): FlowPeer {
  return { kind: 'cidr', cidrs, except };
}

const tcp = (port: number): FlowPort => ({ port, protocol: 'TCP' });

/** A component of the stack that serves a port. */
export interface ServingComponent {
  /** Pod labels of the component. */
  readonly podLabels: Labels;
  /** The port clients connect to. */
  readonly port: number;
}

/** A data server: in the cluster (pod labels) or outside it. */
export interface DataServer {
  /** Pod labels of an in-cluster server; absent for an external one. */
  readonly podLabels?: Labels;
  /** The client port. */
  readonly port: number;
  /** The metrics port of an in-cluster server's exporter. */
  readonly metricsPort?: number;
}

/** What the flows are built from: the handles the tiers expose, as PrefectStack wires them. */
export interface StackFlowsProps {
  readonly policies: ResolvedNetworkPolicies;
  /** The API pods; port 4200 serves UI, API and metrics. */
  readonly api: ServingComponent;
  /** The background-services pods. */
  readonly backgroundServices: Labels;
  /** The migrate Job's pods. */
  readonly migrate: Labels;
  readonly postgres: DataServer;
  readonly redis: DataServer;
  /** pgAdmin (frontend tier), when deployed. */
  readonly pgadmin?: ServingComponent;
  /** The Redis web UI (frontend tier), when deployed. */
  readonly redisUi?: ServingComponent;
  /** The backup CronJob's pods and its object store, when deployed. */
  readonly backup?: { readonly podLabels: Labels; readonly objectStore?: CidrEgress };
  /** Further flows from other tiers (e.g. an exporter that polls the API). */
  readonly extraFlows?: Flow[];
}

/**
 * Every allowed flow of the stack, and nothing else: the NetworkPolicies and the README's table are both generated
 * from this list.
 */
export function stackFlows(p: StackFlowsProps): Flow[] {
  const n = p.policies;
  const api = podsPeer(p.api.podLabels);
  const background = podsPeer(p.backgroundServices);
  const migrate = podsPeer(p.migrate);
  const flows: Flow[] = [];
  const add = (from: FlowPeer, to: FlowPeer, ports: FlowPort[], why: string) => flows.push({ from, to, ports, why });

  add({ kind: 'all' }, namespacePeer(n.dns), n.dnsPorts.flatMap((port): FlowPort[] => [{ port, protocol: 'UDP' }, { port, protocol: 'TCP' }]), 'name resolution');
  if (n.edgeFrom) {
    add(namespacePeer(n.edgeFrom), api, [tcp(p.api.port)], 'the edge serves the UI and API');
    if (p.pgadmin) add(namespacePeer(n.edgeFrom), podsPeer(p.pgadmin.podLabels), [tcp(p.pgadmin.port)], 'the edge serves pgAdmin');
    if (p.redisUi) add(namespacePeer(n.edgeFrom), podsPeer(p.redisUi.podLabels), [tcp(p.redisUi.port)], 'the edge serves the Redis UI');
  }
  for (const w of n.workersFrom) add(namespacePeer(w), api, [tcp(p.api.port)], 'Prefect workers and clients call the API');
  add(namespacePeer(n.prometheusFrom), api, [tcp(p.api.port)], 'Prometheus scrapes /api/metrics');

  const pg = p.postgres.podLabels ? podsPeer(p.postgres.podLabels) : cidrPeer(n.externalDatabaseCidrs);
  const redis = p.redis.podLabels ? podsPeer(p.redis.podLabels) : cidrPeer(n.externalRedisCidrs);
  for (const [who, peer] of [['API', api], ['background services', background], ['migrations', migrate]] as const) {
    add(peer, pg, [tcp(p.postgres.port)], `${who}: Prefect's database`);
  }
  add(api, redis, [tcp(p.redis.port)], 'API: events messaging, leases, Docket');
  add(background, redis, [tcp(p.redis.port)], 'background services: events messaging, Docket');
  if (p.postgres.podLabels && p.postgres.metricsPort) add(namespacePeer(n.prometheusFrom), pg, [tcp(p.postgres.metricsPort)], 'Prometheus scrapes postgres_exporter');
  if (p.redis.podLabels && p.redis.metricsPort) add(namespacePeer(n.prometheusFrom), redis, [tcp(p.redis.metricsPort)], 'Prometheus scrapes redis_exporter');

  if (p.pgadmin) add(podsPeer(p.pgadmin.podLabels), pg, [tcp(p.postgres.port)], 'pgAdmin administers the database');
  if (p.redisUi) add(podsPeer(p.redisUi.podLabels), redis, [tcp(p.redis.port)], 'the Redis UI browses Redis');
  if (p.backup) {
    add(podsPeer(p.backup.podLabels), pg, [tcp(p.postgres.port)], 'backup dumps the database');
    const store = p.backup.objectStore;
    if (store) add(podsPeer(p.backup.podLabels), cidrPeer(store.cidrs, store.except), (store.ports ?? [443]).map(tcp), 'backup uploads to the object store');
  }
  if (n.internetEgress) {
    const out = cidrPeer(n.internetEgress.cidrs, n.internetEgress.except);
    add(api, out, n.internetEgress.ports.map(tcp), 'API: webhooks and notifications (networkPolicies.internetEgress)');
    add(background, out, n.internetEgress.ports.map(tcp), 'background services: automations and notifications (networkPolicies.internetEgress)');
  }
  flows.push(...(p.extraFlows ?? []));
  return flows;
}

/** How a peer is written in the flow table (the same words whether read from flows or from policies). */
export function describePeer(peer: FlowPeer): string {
  const labels = (l: Labels) => Object.entries(l).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(',');
  switch (peer.kind) {
    case 'all':
      return 'every pod of the stack';
    case 'pods':
      return `\`${peer.podLabels![COMPONENT_LABEL]}\``;
    case 'namespace': {
      const ns = peer.namespaceLabels ?? {};
      const nsText = Object.keys(ns).length === 1 && ns['kubernetes.io/metadata.name'] ? `namespace \`${ns['kubernetes.io/metadata.name']}\`` : `namespaces \`${labels(ns)}\``;
      return peer.podLabels && Object.keys(peer.podLabels).length ? `${nsText}, pods \`${labels(peer.podLabels)}\`` : nsText;
    }
    case 'cidr':
      return `${(peer.cidrs ?? []).join(', ')}${peer.except?.length ? ` except ${peer.except.join(', ')}` : ''}`;
  }
}

/** A row of the flow table: from, to and ports as text. */
export interface FlowRow {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
  readonly why?: string;
}

/** Sorts ports and writes them as `5432/TCP, 53/UDP`. */
export function describePorts(ports: FlowPort[]): string {
  const unique = [...new Set(ports.map((p) => `${p.port}/${p.protocol}`))];
  return unique.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b)).join(', ');
}

/** The flow table's rows, one per (from, to), sorted. */
export function flowRows(flows: Flow[]): FlowRow[] {
  const rows = new Map<string, { from: string; to: string; ports: FlowPort[]; why: string[] }>();
  for (const f of flows) {
    const from = describePeer(f.from);
    const to = describePeer(f.to);
    const key = `${from}\u0000${to}`;
    const row = rows.get(key) ?? { from, to, ports: [], why: [] };
    row.ports.push(...f.ports);
    if (!row.why.includes(f.why)) row.why.push(f.why);
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((r) => ({ from: r.from, to: r.to, ports: describePorts(r.ports), why: r.why.join('; ') }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The README's flow table (markdown), generated from the flows. */
export function renderFlowTable(flows: Flow[]): string {
  const lines = ['| From | To | Port | Why |', '| --- | --- | --- | --- |'];
  for (const r of flowRows(flows)) lines.push(`| ${r.from} | ${r.to} | ${r.ports} | ${r.why} |`);
  return lines.join('\n');
}
