import { IConstruct } from 'constructs';
import type { EdgeRoute } from '../edge/routes';
import type { Flow, FlowPeer, FlowPort } from '../network/flow';
import type { OutsidePeers } from '../network/network-options';
import type { ScrapeTarget } from '../observability/targets';
import { ImageCatalog } from './images';
import { SchedulingOptions } from './pod-options';
import { ObjectNames } from './names';

/** Who runs the pods: plain Kubernetes, or OpenShift, whose restricted SCC assigns UIDs, GIDs and fsGroup itself. */
export type Platform = 'kubernetes' | 'openshift';

/** Props of {@link StackContext}. */
export interface StackContextProps {
  readonly instance: string;
  readonly namespace: string;
  readonly images: ImageCatalog;
  /** Secrets every pod pulls its images with (`images.pullSecrets`). */
  readonly imagePullSecrets: string[];
  readonly platform: Platform;
  /** Stack-wide scheduling, under each component's own. */
  readonly scheduling: SchedulingOptions;
  /** Labels and annotations on every object and pod template. */
  readonly commonLabels: { [key: string]: string };
  readonly commonAnnotations: { [key: string]: string };
  readonly peers: OutsidePeers;
}

const CONTEXTS = new WeakMap<IConstruct, StackContext>();

/**
 * What every construct of a stack shares, found from its scope (like cdk8s-core's `Chart.of`): the instance and
 * namespace, images, the stack-wide pod defaults, and the registries the tiers fill as they are built — the
 * network flows they need, the targets Prometheus scrapes, the routes the edge serves. NetworkPolicies, scrape
 * configurations and routes are derived from these declarations, not wired by hand.
 */
export class StackContext {
  /** The context of the stack `scope` belongs to. */
  public static of(scope: IConstruct): StackContext {
    for (const s of [...scope.node.scopes].reverse()) {
      const ctx = CONTEXTS.get(s);
      if (ctx) return ctx;
    }
    throw new Error(`${scope.node.path}: not inside a PrefectStack (its constructs find the stack's context from their scope)`);
  }

  public readonly instance: string;
  public readonly namespace: string;
  public readonly images: ImageCatalog;
  public readonly imagePullSecrets: string[];
  public readonly platform: Platform;
  public readonly scheduling: SchedulingOptions;
  public readonly commonLabels: { [key: string]: string };
  public readonly commonAnnotations: { [key: string]: string };
  public readonly peers: OutsidePeers;
  /** Object names, checked against each kind's length limit. */
  public readonly names: ObjectNames;
  /** Every allowed network flow, as the tiers declared them: the NetworkPolicies and the table in docs/architecture.md. */
  public readonly flows: Flow[] = [];
  /** Every scrape target, as the tiers declared them: ServiceMonitors and the bundled Prometheus' configuration. */
  public readonly scrapeTargets: ScrapeTarget[] = [];
  /** Every route at the edge, as the tiers declared them. */
  public readonly routes: EdgeRoute[] = [];

  constructor(scope: IConstruct, props: StackContextProps) {
    this.instance = props.instance;
    this.namespace = props.namespace;
    this.images = props.images;
    this.imagePullSecrets = props.imagePullSecrets;
    this.platform = props.platform;
    this.scheduling = props.scheduling;
    this.commonLabels = props.commonLabels;
    this.commonAnnotations = props.commonAnnotations;
    this.peers = props.peers;
    this.names = new ObjectNames(props.instance);
    CONTEXTS.set(scope, this);
    // Every pod resolves names.
    this.allow({ kind: 'all' }, props.peers.dns.peer, props.peers.dns.ports, 'name resolution');
  }

  /** Declares a network flow; `ports` are TCP unless given as {@link FlowPort}s. A repeated flow is kept once. */
  public allow(from: FlowPeer, to: FlowPeer, ports: Array<number | FlowPort>, why: string): void {
    const flow = { from, to, ports: ports.map((p) => (typeof p === 'number' ? { port: p, protocol: 'TCP' as const } : p)), why };
    const key = JSON.stringify(flow);
    if (!this.flows.some((f) => JSON.stringify(f) === key)) this.flows.push(flow);
  }

  /** Declares a scrape target; the cluster's Prometheus is allowed to reach its pods on its port. */
  public scrape(target: ScrapeTarget): void {
    this.scrapeTargets.push(target);
    this.allow(this.peers.prometheus, { kind: 'pods', podLabels: target.podSelector }, [target.portNumber], target.why);
  }

  /** Declares a route at the edge; the edge's proxies are allowed to reach its pods on the Service's port. */
  public expose(route: EdgeRoute): void {
    this.routes.push(route);
    if (this.peers.edge) this.allow(this.peers.edge, { kind: 'pods', podLabels: route.podSelector }, [route.servicePort], route.why);
  }
}
