import * as k8s from '../../imports/k8s';
import { Construct } from 'constructs';
import {
  HttpRoute,
  HttpRouteSpecRulesFilters,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesFiltersUrlRewritePathType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/httproute-gateway.networking.k8s.io';
import { StackContext } from '../common/stack-context';
import { fail } from '../common/validate';
import { ResolvedEdge } from './resolve-edge';
import { EdgeRoute } from './routes';

const NGINX = 'nginx.ingress.kubernetes.io';

/**
 * The front door: one Ingress (Ingress-NGINX) or one HTTPRoute (Gateway API) per route, so each route carries its
 * own auth, allow-list and rewrite. Neither proxy health-checks upstreams itself: only pods whose readiness probe
 * passes (the API's is `/api/ready`, which fails while Postgres is unreachable) are endpoints of the Service and
 * receive traffic.
 */
export class StackEdge extends Construct {
  /** Names of the Ingress or HTTPRoute objects. */
  public readonly objectNames: string[] = [];

  /** Renders `routes` (by default every route the stack's tiers declared so far: build it after them). */
  constructor(scope: Construct, id: string, edge: ResolvedEdge, routes: EdgeRoute[] = StackContext.of(scope).routes) {
    super(scope, id);
    if (edge.type === 'none') return;
    const { instance } = StackContext.of(this);
    const seen = new Map<string, EdgeRoute>();
    for (const r of routes) {
      const where = `${r.host}${r.path}`;
      const other = seen.get(where);
      if (other) fail(r.field, `serves ${where}, which ${other.field} serves too`, 'give each UI its own host or path');
      seen.set(where, r);
    }
    // cert-manager issues one Certificate per Ingress that carries its annotation: annotate only the first
    // Ingress of each host, the others reuse its Secret.
    const certSecretOfHost = new Map<string, string>();
    for (const r of routes) {
      const name = `${instance}-${r.id}`;
      this.objectNames.push(name);
      if (edge.type === 'ingress-nginx') this.ingress(name, r, edge, certSecretOfHost);
      else this.httpRoute(name, r, edge);
    }
  }

  private ingress(name: string, r: EdgeRoute, edge: ResolvedEdge, certSecretOfHost: Map<string, string>) {
    const n = edge.ingressNginx;
    const timeout = String(edge.timeoutSeconds);
    const annotations: Record<string, string> = {
      // Websockets (/api/events/*, /api/logs/out, …) need no annotation, only timeouts above Prefect's 20 s ping.
      [`${NGINX}/proxy-read-timeout`]: timeout,
      [`${NGINX}/proxy-send-timeout`]: timeout,
      [`${NGINX}/proxy-body-size`]: n.maxBodySize,
      [`${NGINX}/load-balance`]: n.loadBalance,
      ...n.annotations,
    };
    if (r.basicAuthSecret) {
      annotations[`${NGINX}/auth-type`] = 'basic';
      annotations[`${NGINX}/auth-secret`] = r.basicAuthSecret;
      annotations[`${NGINX}/auth-realm`] = 'Authentication required';
    }
    if (r.allowSourceRanges.length) annotations[`${NGINX}/whitelist-source-range`] = r.allowSourceRanges.join(',');

    let path = r.path;
    let pathType = 'Prefix';
    if (r.rewriteTo) {
      // Ingress has no prefix replacement: a regex path keeps the rest of the URL in $2.
      annotations[`${NGINX}/use-regex`] = 'true';
      annotations[`${NGINX}/rewrite-target`] = `${r.rewriteTo}/$2`;
      path = `${r.path}(/|$)(.*)`;
      pathType = 'ImplementationSpecific';
    }

    let tls: k8s.IngressTls[] | undefined;
    if (edge.tls?.issuerAnnotation && !r.tlsSecretName) {
      let secretName = certSecretOfHost.get(r.host);
      if (!secretName) {
        secretName = `${name}-tls`;
        certSecretOfHost.set(r.host, secretName);
        annotations[edge.tls.issuerAnnotation[0]] = edge.tls.issuerAnnotation[1];
      }
      tls = [{ hosts: [r.host], secretName }];
    } else if (r.tlsSecretName ?? edge.tls?.secretName) {
      tls = [{ hosts: [r.host], secretName: r.tlsSecretName ?? edge.tls!.secretName }];
    }

    new k8s.KubeIngress(this, `Ingress-${r.id}`, {
      metadata: { name, labels: r.labels, annotations },
      spec: {
        ingressClassName: n.className,
        tls,
        rules: [
          {
            host: r.host,
            http: { paths: [{ path, pathType, backend: { service: { name: r.serviceName, port: { number: r.servicePort } } } }] },
          },
        ],
      },
    });
  }

  private httpRoute(name: string, r: EdgeRoute, edge: ResolvedEdge) {
    const gw = edge.gateway!;
    const filters: HttpRouteSpecRulesFilters[] = [];
    if (r.authFilter)
      filters.push({
        type: HttpRouteSpecRulesFiltersType.EXTENSION_REF,
        extensionRef: { group: r.authFilter.group, kind: r.authFilter.kind, name: r.authFilter.name },
      });
    if (r.rewriteTo) {
      filters.push({
        type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
        urlRewrite: { path: { type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: r.rewriteTo } },
      });
    }
    const timeout = `${edge.timeoutSeconds}s`;
    new HttpRoute(this, `HttpRoute-${r.id}`, {
      metadata: { name, labels: r.labels },
      spec: {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gw.name, namespace: gw.namespace, sectionName: gw.sectionName }],
        hostnames: [r.host],
        rules: [
          {
            matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: r.path } }],
            filters: filters.length ? filters : undefined,
            backendRefs: [{ kind: 'Service', name: r.serviceName, port: r.servicePort }],
            // Standard since v1.2: long enough for websockets and log streams (see edge.timeoutSeconds).
            timeouts: { request: timeout, backendRequest: timeout },
          },
        ],
      },
    });
  }
}
