import { checkCidr, checkDnsSubdomain, checkHostname, checkInt, fail } from '../common/validate';

/** Which front door serves the stack. */
export type EdgeType = 'ingress-nginx' | 'gateway-api' | 'none';

/** An implementation-specific HTTPRoute filter (Gateway API has no standard authentication filter). */
export interface GatewayExtensionRef {
  /** API group of the filter object, e.g. `traefik.io` or `gateway.envoyproxy.io`. */
  readonly group: string;
  /** Kind of the filter object, e.g. `Middleware`. */
  readonly kind: string;
  /** Name of the filter object in the stack's namespace. */
  readonly name: string;
}

/** TLS at the edge (Ingress-NGINX). */
export interface EdgeTlsOptions {
  /**
   * An existing `kubernetes.io/tls` Secret for the Prefect host (and the admin hosts, unless they name their own).
   * @default - none: give this or certManager
   */
  readonly secretName?: string;
  /**
   * Let cert-manager issue the certificates: the Ingresses get its annotation and a Secret name per host.
   * @default - none
   */
  readonly certManager?: {
    /** A namespaced Issuer in the stack's namespace. @default - none */
    readonly issuer?: string;
    /** A ClusterIssuer. @default - none */
    readonly clusterIssuer?: string;
  };
}

/** Ingress-NGINX settings (`edge.ingressNginx`). */
export interface IngressNginxOptions {
  /**
   * `ingressClassName` of every Ingress.
   * @default "nginx" - the class the ingress-nginx chart installs
   */
  readonly className?: string;
  /**
   * Upstream balancing: `ewma` sends each request to the replica with the lowest recent latency (a slow replica,
   * e.g. one busy with a large query, gets less traffic); `round_robin` is Ingress-NGINX's default.
   * @default "ewma"
   */
  readonly loadBalance?: 'ewma' | 'round_robin';
  /**
   * Largest request body, as `proxy-body-size`. Prefect clients send logs in batches of up to 4 MB
   * (PREFECT_LOGGING_TO_API_BATCH_SIZE) and flow-run parameters and artifacts inline.
   * @default "16m" - four log batches; Ingress-NGINX's own default (1m) rejects them with 413
   */
  readonly maxBodySize?: string;
  /**
   * An existing Secret (key `auth`, htpasswd lines) for basic auth in front of the Prefect UI and API.
   * @default - none: Prefect's own auth (prefect.authSecret), or none
   */
  readonly basicAuthSecret?: string;
  /**
   * Source addresses allowed to reach the Prefect host (`whitelist-source-range`).
   * @default - any address
   */
  readonly allowSourceRanges?: string[];
  /**
   * Further annotations on every Ingress (e.g. `nginx.ingress.kubernetes.io/proxy-buffering`).
   * @default - none
   */
  readonly annotations?: { [key: string]: string };
}

/** Gateway API settings (`edge.gateway`). */
export interface GatewayOptions {
  /** Name of the Gateway the routes attach to. */
  readonly name: string;
  /**
   * Namespace of the Gateway; its listener must allow routes from the stack's namespace (`allowedRoutes`).
   * @default - the stack's namespace
   */
  readonly namespace?: string;
  /**
   * The listener to attach to, e.g. `https`.
   * @default - every listener whose hostname matches
   */
  readonly sectionName?: string;
  /**
   * An implementation-specific filter (ExtensionRef) that authenticates requests to the Prefect host,
   * e.g. a Traefik `Middleware` with basicAuth. Gateway API has no standard basic auth.
   * @default - none: Prefect's own auth (prefect.authSecret), or none
   */
  readonly authFilter?: GatewayExtensionRef;
}

/** The `edge:` section of the configuration file. Host and path come from `prefect.externalUrl`. */
export interface EdgeOptions {
  /**
   * The front door. Ingress-NGINX was retired in March 2026 (no more fixes, security ones included): prefer
   * `gateway-api` for new installations; `ingress-nginx` remains for clusters that still run it.
   * @default - "ingress-nginx" when prefect.externalUrl is set, else "none"
   */
  readonly type?: EdgeType;
  /**
   * How long a request, and an idle websocket (`/api/events/out`, `/api/logs/out`, …), may stay open.
   * Prefect pings its websockets every 20 s, so any value above that keeps them alive; long values let log
   * streams and slow API calls finish.
   * @default 3600
   */
  readonly timeoutSeconds?: number;
  /**
   * TLS (Ingress-NGINX only; with Gateway API, TLS is the Gateway listener's `certificateRefs`).
   * @default - no TLS at the Ingress (e.g. terminated by a load balancer in front)
   */
  readonly tls?: EdgeTlsOptions;
  /**
   * Ingress-NGINX settings; only with type `ingress-nginx`.
   * @default - see IngressNginxOptions
   */
  readonly ingressNginx?: IngressNginxOptions;
  /**
   * Gateway API settings; required with type `gateway-api`.
   * @default - none
   */
  readonly gateway?: GatewayOptions;
}

/** Exposure of an admin UI at the edge (`admin.pgadmin.expose`, `admin.redisUi.expose`). */
export interface AdminExposeOptions {
  /**
   * Host name of the UI.
   * @default - the Prefect host, which then needs `path`
   */
  readonly host?: string;
  /**
   * Path prefix on that host, e.g. `/pgadmin`; the application is told its prefix (no rewrite).
   * @default "/" on its own host
   */
  readonly path?: string;
  /**
   * An existing htpasswd Secret (key `auth`) for basic auth at the edge (Ingress-NGINX).
   * @default - none: the UI's own login
   */
  readonly basicAuthSecret?: string;
  /**
   * An implementation-specific authentication filter at the edge (Gateway API).
   * @default - none: the UI's own login
   */
  readonly authFilter?: GatewayExtensionRef;
  /**
   * Source addresses allowed to reach the UI (Ingress-NGINX `whitelist-source-range`).
   * @default - any address
   */
  readonly allowSourceRanges?: string[];
  /**
   * An existing TLS Secret for this host (Ingress-NGINX).
   * @default - edge.tls.secretName, or a cert-manager Secret per host
   */
  readonly tlsSecretName?: string;
  /**
   * Expose the UI although neither it nor the edge asks for credentials. Anyone who reaches the host can then
   * read and change the data.
   * @default false - an admin UI without auth is refused
   */
  readonly allowUnauthenticated?: boolean;
}

/** {@link EdgeOptions} with defaults applied, checked against `prefect.externalUrl`. */
export interface ResolvedEdge {
  readonly type: EdgeType;
  /** The Prefect host (from prefect.externalUrl). */
  readonly host?: string;
  /** Path prefix of the Prefect UI: `''` or e.g. `/prefect` (no trailing slash). */
  readonly basePath: string;
  readonly timeoutSeconds: number;
  readonly tls?: { readonly secretName?: string; readonly issuerAnnotation?: [string, string] };
  readonly ingressNginx: {
    readonly className: string;
    readonly loadBalance: string;
    readonly maxBodySize: string;
    readonly basicAuthSecret?: string;
    readonly allowSourceRanges: string[];
    readonly annotations: { [key: string]: string };
  };
  readonly gateway?: { readonly name: string; readonly namespace?: string; readonly sectionName?: string; readonly authFilter?: GatewayExtensionRef };
}

/** A host name as the edge serves it: a DNS name, not an IP address. */
export function checkEdgeHost(field: string, host: string): string {
  checkHostname(field, host);
  if (/^\d+$/.test(host.split('.').pop()!)) fail(field, `"${host}" is an IP address`, 'use a DNS name: Ingress rules and HTTPRoutes match host names');
  return host;
}

/** A path prefix: `/x` or `/x/y`, no trailing slash, no regex characters. */
export function checkPathPrefix(field: string, path: string): string {
  if (typeof path === 'string' && (path === '/' || /^(\/[A-Za-z0-9._~-]+)+$/.test(path))) return path;
  return fail(field, `"${path}" is not a path prefix`, 'write it like /pgadmin (a leading slash, no trailing slash, letters, digits, . _ ~ -)');
}

function checkGatewayRef(field: string, r: GatewayExtensionRef): GatewayExtensionRef {
  if (!r || typeof r.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(r.kind)) fail(`${field}.kind`, `"${r?.kind}" is not a kind`, 'write the kind of the filter object, e.g. Middleware');
  if (typeof r.group !== 'string' || !(r.group === '' || checkDnsSubdomain(`${field}.group`, r.group))) fail(`${field}.group`, 'is missing', 'write the API group of the filter object');
  checkDnsSubdomain(`${field}.name`, r.name);
  return r;
}

/** Checks a list of source ranges. */
export function checkSourceRanges(field: string, ranges: string[] | undefined): string[] {
  if (ranges === undefined) return [];
  if (!Array.isArray(ranges) || ranges.length === 0) fail(field, 'is empty', 'list CIDR blocks, or leave the key out to allow any address');
  return ranges.map((r, i) => checkCidr(`${field}[${i}]`, r));
}

/**
 * Applies the defaults of `edge:` once, with host and path taken from `prefect.externalUrl` (the one source of
 * truth for the URL users open: the UI's API URL and serve base follow from the same value).
 */
export function resolveEdge(o: EdgeOptions = {}, externalUrl?: URL): ResolvedEdge {
  const type: EdgeType = o.type ?? (externalUrl ? 'ingress-nginx' : 'none');
  if (!['ingress-nginx', 'gateway-api', 'none'].includes(type)) fail('edge.type', `"${type}" is not a front door`, 'use ingress-nginx, gateway-api or none');
  if (type !== 'ingress-nginx' && o.ingressNginx) {
    fail('edge.ingressNginx', `is set but edge.type is ${type}`, type === 'gateway-api' ? 'choose one front door: remove edge.ingressNginx, or set edge.type to ingress-nginx and remove edge.gateway' : 'remove it, or set edge.type to ingress-nginx');
  }
  if (type !== 'gateway-api' && o.gateway) {
    fail('edge.gateway', `is set but edge.type is ${type}`, type === 'ingress-nginx' ? 'choose one front door: remove edge.gateway, or set edge.type to gateway-api and remove edge.ingressNginx' : 'remove it, or set edge.type to gateway-api');
  }
  if (type === 'gateway-api' && !o.gateway) fail('edge.gateway', 'is missing', 'name the Gateway the routes attach to: edge.gateway.name (and namespace)');
  if (o.tls && type !== 'ingress-nginx') {
    fail('edge.tls', type === 'none' ? 'is a TLS secret without a host (edge.type is none)' : 'is not used with gateway-api', type === 'none' ? 'set prefect.externalUrl and an edge.type, or remove edge.tls' : 'configure certificateRefs on the Gateway listener and remove edge.tls');
  }

  let host: string | undefined;
  let basePath = '';
  if (type !== 'none') {
    if (!externalUrl) fail('prefect.externalUrl', `is missing but edge.type is ${type}`, 'set the URL users open, e.g. https://prefect.example.com (the edge serves its host and path)');
    if (externalUrl.port) fail('prefect.externalUrl', `"${externalUrl.href}" has a port`, 'the edge listens on 80/443: remove the port');
    if (externalUrl.username || externalUrl.password) fail('prefect.externalUrl', 'carries credentials', 'remove user:password@ from the URL');
    host = checkEdgeHost('prefect.externalUrl', externalUrl.hostname);
    basePath = externalUrl.pathname.replace(/\/+$/, '');
    if (basePath) checkPathPrefix('prefect.externalUrl', basePath);
    if (basePath.endsWith('/api') || basePath.includes('/api/')) fail('prefect.externalUrl', `path "${basePath}" contains /api`, 'give the UI prefix (e.g. /prefect); the API is served under <prefix>/api');
  }

  let tls: ResolvedEdge['tls'];
  if (o.tls) {
    if (externalUrl && externalUrl.protocol === 'http:') fail('edge.tls', `is set but prefect.externalUrl is http (${externalUrl.href})`, 'write the URL with https://, or remove edge.tls');
    const cm = o.tls.certManager;
    if (o.tls.secretName && cm) fail('edge.tls', 'has both secretName and certManager', 'use an existing Secret, or let cert-manager issue one, not both');
    if (!o.tls.secretName && !cm) fail('edge.tls', 'has neither secretName nor certManager', 'name an existing TLS Secret, or a cert-manager issuer');
    if (cm && (Boolean(cm.issuer) === Boolean(cm.clusterIssuer))) fail('edge.tls.certManager', 'needs exactly one of issuer and clusterIssuer', 'name one issuer');
    tls = {
      secretName: o.tls.secretName && checkDnsSubdomain('edge.tls.secretName', o.tls.secretName),
      issuerAnnotation: cm ? (cm.issuer ? ['cert-manager.io/issuer', checkDnsSubdomain('edge.tls.certManager.issuer', cm.issuer)] : ['cert-manager.io/cluster-issuer', checkDnsSubdomain('edge.tls.certManager.clusterIssuer', cm.clusterIssuer!)]) : undefined,
    };
  }

  const n = o.ingressNginx ?? {};
  const className = n.className ?? 'nginx';
  checkDnsSubdomain('edge.ingressNginx.className', className);
  const loadBalance = n.loadBalance ?? 'ewma';
  if (!['ewma', 'round_robin'].includes(loadBalance)) fail('edge.ingressNginx.loadBalance', `"${loadBalance}" is not supported`, 'use ewma or round_robin (Ingress-NGINX has no least_conn)');
  const maxBodySize = n.maxBodySize ?? '16m';
  if (!/^\d+[kKmMgG]?$/.test(maxBodySize)) fail('edge.ingressNginx.maxBodySize', `"${maxBodySize}" is not an NGINX size`, 'write a number with an optional k, m or g suffix, e.g. 16m');
  if (n.annotations) {
    for (const k of Object.keys(n.annotations)) {
      if (typeof n.annotations[k] !== 'string') fail(`edge.ingressNginx.annotations.${k}`, 'is not a string', 'quote the value');
    }
  }
  const gw = o.gateway && {
    name: checkDnsSubdomain('edge.gateway.name', o.gateway.name),
    namespace: o.gateway.namespace && checkDnsSubdomain('edge.gateway.namespace', o.gateway.namespace),
    sectionName: o.gateway.sectionName && checkDnsSubdomain('edge.gateway.sectionName', o.gateway.sectionName),
    authFilter: o.gateway.authFilter && checkGatewayRef('edge.gateway.authFilter', o.gateway.authFilter),
  };
  return {
    type,
    host,
    basePath,
    timeoutSeconds: checkInt('edge.timeoutSeconds', o.timeoutSeconds ?? 3600, 30, 86400),
    tls,
    ingressNginx: {
      className,
      loadBalance,
      maxBodySize,
      basicAuthSecret: n.basicAuthSecret && checkDnsSubdomain('edge.ingressNginx.basicAuthSecret', n.basicAuthSecret),
      allowSourceRanges: checkSourceRanges('edge.ingressNginx.allowSourceRanges', n.allowSourceRanges),
      annotations: n.annotations ?? {},
    },
    gateway: gw,
  };
}

/** The namespace of the Gateway the routes attach to (its proxies usually run there). */
export function namespaceOfGateway(edge: ResolvedEdge, stackNamespace: string): string {
  return edge.gateway?.namespace ?? stackNamespace;
}

/** One HTTP route at the edge: a host and path prefix sent to a Service port. */
export interface EdgeRoute {
  /** Stable id, also the object name's suffix (`<instance>-<id>`). */
  readonly id: string;
  readonly host: string;
  /** Path prefix, `/` for the whole host. */
  readonly path: string;
  /** Replace the matched prefix with this one before forwarding (e.g. `/prefect/api` → `/api`). */
  readonly rewriteTo?: string;
  readonly serviceName: string;
  readonly servicePort: number;
  /** Basic auth Secret (Ingress-NGINX). */
  readonly basicAuthSecret?: string;
  /** Authentication filter (Gateway API). */
  readonly authFilter?: GatewayExtensionRef;
  readonly allowSourceRanges: string[];
  /** TLS Secret for this host (Ingress-NGINX). */
  readonly tlsSecretName?: string;
  /** Labels of the route objects. */
  readonly labels: Record<string, string>;
}

/**
 * Resolves an admin UI's exposure into a route; throws when the UI would be reachable without any credentials.
 * `ownAuth` says whether the application asks for credentials itself.
 */
export function adminRoute(field: string, edge: ResolvedEdge, e: AdminExposeOptions, r: { id: string; serviceName: string; servicePort: number; ownAuth: boolean; labels: Record<string, string>; pathSupported: boolean }): EdgeRoute {
  if (edge.type === 'none') fail(`${field}.expose`, 'is set but edge.type is none', 'choose an edge (edge.type), or remove expose and use kubectl port-forward');
  const host = e.host === undefined ? edge.host! : checkEdgeHost(`${field}.expose.host`, e.host);
  const path = e.path === undefined ? '/' : checkPathPrefix(`${field}.expose.path`, e.path);
  if (path !== '/' && !r.pathSupported) fail(`${field}.expose.path`, 'is not supported by this UI', 'give it its own host (expose.host) and no path');
  if (host === edge.host) {
    if (path === '/') fail(`${field}.expose`, `would take over the Prefect host ${host}`, 'give the UI its own host (expose.host), or a path such as /pgadmin');
    if (path === edge.basePath || `${path}/`.startsWith(`${edge.basePath}/api/`)) fail(`${field}.expose.path`, `"${path}" collides with Prefect's UI or API paths`, `choose another prefix than ${edge.basePath || '/'} and ${edge.basePath}/api`);
  }
  if (edge.type === 'ingress-nginx' && e.authFilter) fail(`${field}.expose.authFilter`, 'is a Gateway API filter but edge.type is ingress-nginx', 'use basicAuthSecret');
  if (edge.type === 'gateway-api') {
    if (e.basicAuthSecret) fail(`${field}.expose.basicAuthSecret`, 'is not supported with gateway-api (Gateway API has no standard basic auth)', 'use authFilter (an implementation-specific filter) or the UI\'s own login');
    if (e.allowSourceRanges) fail(`${field}.expose.allowSourceRanges`, 'is not supported with gateway-api', 'restrict sources with your Gateway implementation\'s policy');
    if (e.tlsSecretName) fail(`${field}.expose.tlsSecretName`, 'is not used with gateway-api', 'configure certificateRefs on the Gateway listener');
  }
  const edgeAuth = Boolean(e.basicAuthSecret || e.authFilter);
  if (!r.ownAuth && !edgeAuth && e.allowUnauthenticated !== true) {
    fail(`${field}.expose`, 'would publish an admin UI without authentication', `set ${edge.type === 'gateway-api' ? 'authFilter' : 'basicAuthSecret'} (or the UI's own login), or confirm with allowUnauthenticated: true`);
  }
  return {
    id: r.id,
    host,
    path,
    serviceName: r.serviceName,
    servicePort: r.servicePort,
    basicAuthSecret: e.basicAuthSecret && checkDnsSubdomain(`${field}.expose.basicAuthSecret`, e.basicAuthSecret),
    authFilter: e.authFilter && checkGatewayRef(`${field}.expose.authFilter`, e.authFilter),
    allowSourceRanges: checkSourceRanges(`${field}.expose.allowSourceRanges`, e.allowSourceRanges),
    tlsSecretName: e.tlsSecretName && checkDnsSubdomain(`${field}.expose.tlsSecretName`, e.tlsSecretName),
    labels: r.labels,
  };
}

/** The Prefect UI and API routes: one route for `/`, or with a prefix the UI at `<prefix>` and the API rewritten. */
export function prefectRoutes(edge: ResolvedEdge, serviceName: string, servicePort: number, labels: Record<string, string>): EdgeRoute[] {
  if (edge.type === 'none') return [];
  const common = {
    host: edge.host!,
    serviceName,
    servicePort,
    basicAuthSecret: edge.ingressNginx.basicAuthSecret,
    authFilter: edge.gateway?.authFilter,
    allowSourceRanges: edge.ingressNginx.allowSourceRanges,
    tlsSecretName: edge.tls?.secretName,
    labels,
  };
  if (!edge.basePath) return [{ ...common, id: 'prefect', path: '/' }];
  // The server mounts its API at /api whatever the UI's serve base: strip the prefix on the way in.
  return [
    { ...common, id: 'prefect', path: edge.basePath },
    { ...common, id: 'prefect-api', path: `${edge.basePath}/api`, rewriteTo: '/api' },
  ];
}
