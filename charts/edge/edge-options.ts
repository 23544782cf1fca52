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
   * @default - each key's own default (below)
   */
  readonly ingressNginx?: IngressNginxOptions;
  /**
   * Gateway API settings; required with type `gateway-api`.
   * @default - none
   */
  readonly gateway?: GatewayOptions;
  /**
   * Publish the Prefect UI and API although neither Prefect (`prefect.authSecret`) nor the edge
   * (`ingressNginx.basicAuthSecret`, `gateway.authFilter`) asks for credentials. Whoever reaches the host can then
   * create deployments and run any code as a flow in the cluster.
   * @default false - a Prefect API without auth at the edge is refused
   */
  readonly allowUnauthenticated?: boolean;
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
