/**
 * A Service the stack's Prometheus scrapes: the one description from which both the ServiceMonitors (for
 * kube-prometheus-stack) and the bundled Prometheus' scrape configuration are generated, so the two cannot
 * disagree about what is scraped, where, and with which labels.
 */
export interface ScrapeTarget {
  /** Short name: suffix of the ServiceMonitor (`<instance>-<name>`) and key in tests, e.g. `api`, `postgres`. */
  readonly name: string;
  /** The Service's name; it becomes the `job` label (the ServiceMonitor default), which the rules select on. */
  readonly service: string;
  /**
   * Labels of the pods behind the Service, which the Service carries too: the ServiceMonitor selects Services by
   * them (then keeps only `service` by name), and Prometheus is allowed to reach these pods on `portNumber`.
   */
  readonly podSelector: Record<string, string>;
  /** Name of the Service port serving metrics. */
  readonly port: string;
  /** Its number (the same on the Service and the pods). */
  readonly portNumber: number;
  /** HTTP path of the metrics. */
  readonly path: string;
  /**
   * Scrape interval, e.g. `30s`.
   * @default - `monitoring.scrapeInterval`
   */
  readonly interval?: string;
  /** Whether the endpoint needs the Prefect API's basic auth (`monitoring.prefectBasicAuthSecret`). */
  readonly prefectAuth?: boolean;
  /** Basic auth from a Secret with the username and password in two keys (filled in by the monitoring). */
  readonly basicAuth?: BasicAuthSecret;
  /** What is scraped, for the flow table. */
  readonly why: string;
}

/** A Secret holding basic-auth credentials in two keys (the shape ServiceMonitor `basicAuth` requires). */
export interface BasicAuthSecret {
  /** The Secret's name, in the stack's namespace. */
  readonly name: string;
  /**
   * Key holding the user name.
   * @default "username"
   */
  readonly usernameKey?: string;
  /**
   * Key holding the password.
   * @default "password"
   */
  readonly passwordKey?: string;
}

/**
 * Prometheus relabelings that turn a Kubernetes endpoint into the target labels the operator gives a
 * ServiceMonitor target (`namespace`, `service`, `pod`, `container`, `endpoint`, `job` = Service name).
 * The bundled Prometheus uses them so rules and dashboards see the same labels in both modes.
 */
export function serviceMonitorTargetRelabelings(t: ScrapeTarget): Array<Record<string, unknown>> {
  return [
    { source_labels: ['__meta_kubernetes_service_name'], regex: t.service, action: 'keep' },
    { source_labels: ['__meta_kubernetes_endpointslice_port_name'], regex: t.port, action: 'keep' },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
    { target_label: 'endpoint', replacement: t.port },
    { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' },
  ];
}
