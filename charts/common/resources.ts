import * as k8s from '../../imports/k8s';
import { checkQuantity, fail, quantityValue } from './validate';

/** CPU and memory, Kubernetes-shaped (`cpu: 500m`, `memory: 1Gi`). */
export interface ResourceAmounts {
  /** CPU in cores or millicores, e.g. `500m`. */
  readonly cpu?: string;
  /** Memory, e.g. `1Gi`. */
  readonly memory?: string;
}

/** Requests and limits of a container, as in a pod spec. */
export interface ResourcesProps {
  /** What the scheduler reserves. */
  readonly requests?: ResourceAmounts;
  /** The ceiling; memory over it is OOM-killed, CPU over it throttled. */
  readonly limits?: ResourceAmounts;
}

/**
 * Merges the user's resources over a component's measured defaults, checks every quantity and that no request
 * exceeds its limit, and returns the pod-spec form.
 */
export function resolveResources(field: string, given: ResourcesProps | undefined, defaults: Required<{ requests: Required<ResourceAmounts>; limits: Required<ResourceAmounts> }>): k8s.ResourceRequirements {
  const requests = { ...defaults.requests, ...given?.requests };
  const limits = { ...defaults.limits, ...given?.limits };
  for (const kind of ['cpu', 'memory'] as const) {
    checkQuantity(`${field}.requests.${kind}`, requests[kind]);
    checkQuantity(`${field}.limits.${kind}`, limits[kind]);
    if (quantityValue(requests[kind]) > quantityValue(limits[kind])) {
      fail(`${field}.requests.${kind}`, `${requests[kind]} is above the limit ${limits[kind]}`, `lower it or raise ${field}.limits.${kind}`);
    }
  }
  return {
    requests: { cpu: k8s.Quantity.fromString(requests.cpu), memory: k8s.Quantity.fromString(requests.memory) },
    limits: { cpu: k8s.Quantity.fromString(limits.cpu), memory: k8s.Quantity.fromString(limits.memory) },
  };
}
