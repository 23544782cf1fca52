import { checkCidr, checkInt, checkLabels, fail } from '../common/validate';
import { ANY_ADDRESS, FlowPeer, FlowPort, Labels, cidrPeer, namespaceNamed, namespacePeer } from './flow';

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
   * Emit the NetworkPolicies (default deny plus the flows of the table in docs/architecture.md).
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
   * Where the CloudNativePG operator runs (`database.cloudNativePG`): it calls each instance's status port and
   * PostgreSQL.
   * @default - pods `app.kubernetes.io/name: cloudnative-pg` in namespace `cnpg-system` (its release manifest's)
   */
  readonly cloudNativePgOperatorFrom?: PeerSelector;
  /**
   * The Kubernetes API server, for the pods that call it (CloudNativePG's instance managers).
   * @default - any address on ports 443 (the `kubernetes` Service) and 6443 (its endpoints after DNAT, which most
   * network plugins match)
   */
  readonly kubernetesApi?: CidrEgress;
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

/** Peers outside the stack that its pods talk to, resolved from `networkPolicies:`. */
export interface OutsidePeers {
  /** The edge's proxies; absent without an edge. */
  readonly edge?: FlowPeer;
  /** The cluster's Prometheus. */
  readonly prometheus: FlowPeer;
  /** Cluster DNS and its pods' ports (UDP and TCP). */
  readonly dns: { readonly peer: FlowPeer; readonly ports: FlowPort[] };
  /** In-cluster clients allowed to call the API directly. */
  readonly workers: FlowPeer[];
  /** Where the API and background services may call out to, when allowed. */
  readonly internet?: { readonly peer: FlowPeer; readonly ports: number[] };
  /** The CloudNativePG operator's pods. */
  readonly cloudNativePgOperator: FlowPeer;
  /** The Kubernetes API server and its ports. */
  readonly kubernetesApi: { readonly peer: FlowPeer; readonly ports: number[] };
  /** Where an external PostgreSQL and Redis are. */
  readonly externalDatabase: FlowPeer;
  readonly externalRedis: FlowPeer;
}

/** `networkPolicies:` with defaults applied. */
export interface ResolvedNetworkPolicies {
  readonly enabled: boolean;
  readonly peers: OutsidePeers;
}

function checkSelector(field: string, s: PeerSelector): PeerSelector {
  if (!s || typeof s !== 'object') fail(field, 'is missing', 'give namespaceLabels (and optionally podLabels)');
  if (s.namespaceLabels === undefined || Object.keys(s.namespaceLabels ?? {}).length === 0) {
    fail(`${field}.namespaceLabels`, 'has no labels', 'give at least one namespace label, e.g. { kubernetes.io/metadata.name: monitoring }');
  }
  return {
    namespaceLabels: checkLabels(`${field}.namespaceLabels`, s.namespaceLabels),
    podLabels: s.podLabels === undefined ? undefined : checkLabels(`${field}.podLabels`, s.podLabels),
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

/** Checks an egress block list (cidrs, except, ports) of `field`. */
export function resolveCidrEgress(
  field: string,
  e: CidrEgress | undefined,
  defaults: { cidrs?: string[]; ports: number[] },
): { cidrs: string[]; except: string[]; ports: number[] } {
  return {
    cidrs: e?.cidrs === undefined && defaults.cidrs ? defaults.cidrs : checkCidrs(`${field}.cidrs`, e?.cidrs as string[]),
    except: (e?.except ?? []).map((c, i) => checkCidr(`${field}.except[${i}]`, c)),
    ports: e?.ports === undefined ? defaults.ports : checkPorts(`${field}.ports`, e.ports),
  };
}

/**
 * Applies the defaults of `networkPolicies:` and checks every value; `defaultEdgeNamespace` is where the edge's
 * proxies run when `edgeFrom` is not given (absent without an edge).
 */
export function resolveNetworkPolicies(o: NetworkPoliciesOptions = {}, defaultEdgeNamespace?: string): ResolvedNetworkPolicies {
  const f = 'networkPolicies';
  const dns = checkSelector(`${f}.dns`, o.dns ?? { namespaceLabels: namespaceNamed('kube-system'), podLabels: { 'k8s-app': 'kube-dns' } });
  const dnsPorts = checkPorts(`${f}.dnsPorts`, o.dnsPorts ?? [53]);
  const edgeFrom = o.edgeFrom
    ? checkSelector(`${f}.edgeFrom`, o.edgeFrom)
    : defaultEdgeNamespace === undefined
      ? undefined
      : { namespaceLabels: namespaceNamed(defaultEdgeNamespace) };
  const internet = o.internetEgress && resolveCidrEgress(`${f}.internetEgress`, o.internetEgress, { ports: [443] });
  const kubernetesApi = resolveCidrEgress(`${f}.kubernetesApi`, o.kubernetesApi, { cidrs: ANY_ADDRESS, ports: [443, 6443] });
  const operator = o.cloudNativePgOperatorFrom ?? { namespaceLabels: namespaceNamed('cnpg-system'), podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } };
  return {
    enabled: o.enabled ?? true,
    peers: {
      edge: edgeFrom && namespacePeer(edgeFrom),
      prometheus: namespacePeer(checkSelector(`${f}.prometheusFrom`, o.prometheusFrom ?? { namespaceLabels: namespaceNamed('monitoring') })),
      dns: {
        peer: namespacePeer(dns),
        ports: dnsPorts.flatMap((port): FlowPort[] => [
          { port, protocol: 'UDP' },
          { port, protocol: 'TCP' },
        ]),
      },
      workers: (o.workersFrom ?? []).map((w, i) => namespacePeer(checkSelector(`${f}.workersFrom[${i}]`, w))),
      internet: internet && { peer: cidrPeer(internet.cidrs, internet.except), ports: internet.ports },
      cloudNativePgOperator: namespacePeer(checkSelector(`${f}.cloudNativePgOperatorFrom`, operator)),
      kubernetesApi: { peer: cidrPeer(kubernetesApi.cidrs, kubernetesApi.except), ports: kubernetesApi.ports },
      externalDatabase: cidrPeer(o.externalDatabaseCidrs ? checkCidrs(`${f}.externalDatabaseCidrs`, o.externalDatabaseCidrs) : ANY_ADDRESS),
      externalRedis: cidrPeer(o.externalRedisCidrs ? checkCidrs(`${f}.externalRedisCidrs`, o.externalRedisCidrs) : ANY_ADDRESS),
    },
  };
}
