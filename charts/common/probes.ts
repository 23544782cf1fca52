import * as k8s from '../../imports/k8s';

/** Where a container answers its HTTP health checks. */
export interface HttpProbeOptions {
  /** Path that answers 2xx when the process can serve (readiness). */
  readonly ready: string;
  /**
   * Path that answers 2xx while the process is alive; it must not depend on other services, or their outage
   * restarts this container too.
   * @default - the readiness path
   */
  readonly live?: string;
  /**
   * Name of the container port.
   * @default "http"
   */
  readonly port?: string;
  /**
   * How long the first start may take before liveness applies (a startup probe); 0 for none.
   * @default 0
   */
  readonly startupSeconds?: number;
  /** @default 5 */
  readonly timeoutSeconds?: number;
}

/**
 * The one probe policy of the stack's HTTP containers: readiness every 10 s (three misses take the pod out of its
 * Service), liveness every 30 s (three misses restart it), and a startup probe that holds liveness off while a
 * slow first start (migrations of its own, UI copies) runs.
 */
export function httpProbes(o: HttpProbeOptions): Pick<k8s.Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  const get = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromString(o.port ?? 'http') }, timeoutSeconds: o.timeoutSeconds ?? 5 });
  const live = o.live ?? o.ready;
  return {
    ...(o.startupSeconds ? { startupProbe: { ...get(live), periodSeconds: 5, failureThreshold: Math.ceil(o.startupSeconds / 5) } } : {}),
    readinessProbe: { ...get(o.ready), periodSeconds: 10, failureThreshold: 3 },
    livenessProbe: { ...get(live), periodSeconds: 30, failureThreshold: 3 },
  };
}
