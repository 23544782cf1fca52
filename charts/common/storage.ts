import * as k8s from '../../imports/k8s';
import { checkDnsSubdomain, checkQuantity, fail, quantityValue } from './validate';

/** A PersistentVolumeClaim's size and class, as written in the configuration file. */
export interface StorageProps {
  /**
   * Size of the claim, a Kubernetes quantity such as `20Gi`.
   * @default - per component
   */
  readonly size?: string;
  /**
   * StorageClass of the claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

/** Checks a claim's size and class and returns a ReadWriteOnce claim spec. */
export function claimSpec(field: string, given: StorageProps | undefined, defaultSize: string): k8s.PersistentVolumeClaimSpec {
  const size = checkQuantity(`${field}.size`, given?.size ?? defaultSize);
  if (quantityValue(size) < 2 ** 20) fail(`${field}.size`, `"${size}" is less than 1Mi`, 'give a size with a binary suffix, e.g. 20Gi');
  const storageClassName = given?.storageClassName === undefined ? undefined : checkDnsSubdomain(`${field}.storageClassName`, given.storageClassName);
  return {
    accessModes: ['ReadWriteOnce'],
    storageClassName,
    resources: { requests: { storage: k8s.Quantity.fromString(size) } },
  };
}
