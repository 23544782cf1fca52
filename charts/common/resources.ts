import * as k8s from '../../imports/k8s';
import { checkQuantity, fail, quantityValue } from './validate';

/** CPU, memory and local disk, Kubernetes-shaped (`cpu: 500m`, `memory: 1Gi`, `ephemeralStorage: 256Mi`). */
export interface ResourceAmounts {
  /** CPU in cores or millicores, e.g. `500m`. */
  readonly cpu?: string;
  /** Memory, e.g. `1Gi`. */
  readonly memory?: string;
  /**
   * Node-local disk: the container's logs and writable layer, and the emptyDir volumes it mounts.
   * Without it a pod is among the first evicted when the node runs short of disk.
   */
  readonly ephemeralStorage?: string;
}

/** Requests and limits of a container, as in a pod spec. */
export interface ResourcesProps {
  /** What the scheduler reserves. */
  readonly requests?: ResourceAmounts;
  /** The ceiling; memory over it is OOM-killed, CPU over it throttled, disk over it evicted. */
  readonly limits?: ResourceAmounts;
}

/** A component's measured defaults. The ephemeral-storage limit, when absent, is derived from the pod's volumes. */
export interface ResourceDefaults {
  readonly requests: { readonly cpu: string; readonly memory: string; readonly ephemeralStorage: string };
  readonly limits: { readonly cpu: string; readonly memory: string; readonly ephemeralStorage?: string };
}

const KEYS = { cpu: 'cpu', memory: 'memory', ephemeralStorage: 'ephemeral-storage' } as const;

/**
 * Merges the user's resources over a component's measured defaults, checks every quantity and that no request
 * exceeds its limit, and returns the pod-spec form.
 */
export function resolveResources(field: string, given: ResourcesProps | undefined, defaults: ResourceDefaults): k8s.ResourceRequirements {
  const requests: ResourceAmounts = { ...defaults.requests, ...given?.requests };
  const limits: ResourceAmounts = { ...defaults.limits, ...given?.limits };
  const out = { requests: {} as Record<string, k8s.Quantity>, limits: {} as Record<string, k8s.Quantity> };
  for (const kind of Object.keys(KEYS) as Array<keyof typeof KEYS>) {
    const limit = limits[kind];
    if (limit !== undefined) checkQuantity(`${field}.limits.${kind}`, limit);
    // a default request above a limit the user lowered follows the limit (as Kubernetes fills an absent request
    // from the limit); a request the user wrote above it is their error
    const defaulted =
      given?.requests?.[kind] === undefined && limit !== undefined && requests[kind] !== undefined && quantityValue(requests[kind]!) > quantityValue(limit);
    const request = defaulted ? limit : requests[kind];
    if (request !== undefined) out.requests[KEYS[kind]] = k8s.Quantity.fromString(checkQuantity(`${field}.requests.${kind}`, request));
    if (limit !== undefined) out.limits[KEYS[kind]] = k8s.Quantity.fromString(checkQuantity(`${field}.limits.${kind}`, limit));
    if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
      fail(`${field}.requests.${kind}`, `${request} is above the limit ${limit}`, `lower it or raise ${field}.limits.${kind}`);
    }
  }
  return out;
}
