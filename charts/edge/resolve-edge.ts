import { checkAnnotations, checkCidr, checkDnsSubdomain, checkHostname, checkInt, fail } from '../common/validate';
import { EdgeOptions, EdgeType, GatewayExtensionRef } from './edge-options';

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

export function checkGatewayRef(field: string, r: GatewayExtensionRef): GatewayExtensionRef {
  if (!r || typeof r.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(r.kind))
    fail(`${field}.kind`, `"${r?.kind}" is not a kind`, 'write the kind of the filter object, e.g. Middleware');
  if (typeof r.group !== 'string' || !(r.group === '' || checkDnsSubdomain(`${field}.group`, r.group)))
    fail(`${field}.group`, 'is missing', 'write the API group of the filter object');
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
export function resolveEdge(o: EdgeOptions = {}, externalUrl?: URL, prefectAuth = false): ResolvedEdge {
  const type: EdgeType = o.type ?? (externalUrl ? 'ingress-nginx' : 'none');
  if (!['ingress-nginx', 'gateway-api', 'none'].includes(type)) fail('edge.type', `"${type}" is not a front door`, 'use ingress-nginx, gateway-api or none');
  if (type !== 'ingress-nginx' && o.ingressNginx) {
    fail(
      'edge.ingressNginx',
      `is set but edge.type is ${type}`,
      type === 'gateway-api'
        ? 'choose one front door: remove edge.ingressNginx, or set edge.type to ingress-nginx and remove edge.gateway'
        : 'remove it, or set edge.type to ingress-nginx',
    );
  }
  if (type !== 'gateway-api' && o.gateway) {
    fail(
      'edge.gateway',
      `is set but edge.type is ${type}`,
      type === 'ingress-nginx'
        ? 'choose one front door: remove edge.gateway, or set edge.type to gateway-api and remove edge.ingressNginx'
        : 'remove it, or set edge.type to gateway-api',
    );
  }
  if (type === 'gateway-api' && !o.gateway) fail('edge.gateway', 'is missing', 'name the Gateway the routes attach to: edge.gateway.name (and namespace)');
  if (o.tls && type !== 'ingress-nginx') {
    fail(
      'edge.tls',
      type === 'none' ? 'is a TLS secret without a host (edge.type is none)' : 'is not used with gateway-api',
      type === 'none'
        ? 'set prefect.externalUrl and an edge.type, or remove edge.tls'
        : 'configure certificateRefs on the Gateway listener and remove edge.tls',
    );
  }

  let host: string | undefined;
  let basePath = '';
  if (type !== 'none') {
    if (!externalUrl)
      fail(
        'prefect.externalUrl',
        `is missing but edge.type is ${type}`,
        'set the URL users open, e.g. https://prefect.example.com (the edge serves its host and path)',
      );
    if (externalUrl.port) fail('prefect.externalUrl', `"${externalUrl.href}" has a port`, 'the edge listens on 80/443: remove the port');
    if (externalUrl.username || externalUrl.password) fail('prefect.externalUrl', 'carries credentials', 'remove user:password@ from the URL');
    host = checkEdgeHost('prefect.externalUrl', externalUrl.hostname);
    basePath = externalUrl.pathname.replace(/\/+$/, '');
    if (basePath) checkPathPrefix('prefect.externalUrl', basePath);
    if (basePath.endsWith('/api') || basePath.includes('/api/'))
      fail('prefect.externalUrl', `path "${basePath}" contains /api`, 'give the UI prefix (e.g. /prefect); the API is served under <prefix>/api');
  }

  let tls: ResolvedEdge['tls'];
  if (o.tls) {
    if (externalUrl && externalUrl.protocol === 'http:')
      fail('edge.tls', `is set but prefect.externalUrl is http (${externalUrl.href})`, 'write the URL with https://, or remove edge.tls');
    const cm = o.tls.certManager;
    if (o.tls.secretName && cm) fail('edge.tls', 'has both secretName and certManager', 'use an existing Secret, or let cert-manager issue one, not both');
    if (!o.tls.secretName && !cm) fail('edge.tls', 'has neither secretName nor certManager', 'name an existing TLS Secret, or a cert-manager issuer');
    if (cm && Boolean(cm.issuer) === Boolean(cm.clusterIssuer))
      fail('edge.tls.certManager', 'needs exactly one of issuer and clusterIssuer', 'name one issuer');
    tls = {
      secretName: o.tls.secretName && checkDnsSubdomain('edge.tls.secretName', o.tls.secretName),
      issuerAnnotation: cm
        ? cm.issuer
          ? ['cert-manager.io/issuer', checkDnsSubdomain('edge.tls.certManager.issuer', cm.issuer)]
          : ['cert-manager.io/cluster-issuer', checkDnsSubdomain('edge.tls.certManager.clusterIssuer', cm.clusterIssuer!)]
        : undefined,
    };
  }

  const n = o.ingressNginx ?? {};
  const className = n.className ?? 'nginx';
  checkDnsSubdomain('edge.ingressNginx.className', className);
  const loadBalance = n.loadBalance ?? 'ewma';
  if (!['ewma', 'round_robin'].includes(loadBalance))
    fail('edge.ingressNginx.loadBalance', `"${loadBalance}" is not supported`, 'use ewma or round_robin (Ingress-NGINX has no least_conn)');
  const maxBodySize = n.maxBodySize ?? '16m';
  if (!/^\d+[kKmMgG]?$/.test(maxBodySize))
    fail('edge.ingressNginx.maxBodySize', `"${maxBodySize}" is not an NGINX size`, 'write a number with an optional k, m or g suffix, e.g. 16m');
  checkAnnotations('edge.ingressNginx.annotations', n.annotations);
  const gw = o.gateway && {
    name: checkDnsSubdomain('edge.gateway.name', o.gateway.name),
    namespace: o.gateway.namespace && checkDnsSubdomain('edge.gateway.namespace', o.gateway.namespace),
    sectionName: o.gateway.sectionName && checkDnsSubdomain('edge.gateway.sectionName', o.gateway.sectionName),
    authFilter: o.gateway.authFilter && checkGatewayRef('edge.gateway.authFilter', o.gateway.authFilter),
  };
  // The worker runs whatever flow run the API hands it: an unauthenticated API at the edge is code execution.
  const edgeAuth = Boolean(n.basicAuthSecret || o.gateway?.authFilter);
  if (type !== 'none' && !prefectAuth && !edgeAuth && o.allowUnauthenticated !== true) {
    fail(
      'edge',
      `would publish the Prefect UI and API at ${externalUrl!.href} without authentication (anyone who reaches it can run code in the cluster as a flow run)`,
      `set prefect.authSecret (Prefect's basic auth), or ${type === 'gateway-api' ? 'edge.gateway.authFilter' : 'edge.ingressNginx.basicAuthSecret'} (auth at the edge), or confirm with edge.allowUnauthenticated: true`,
    );
  }
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
