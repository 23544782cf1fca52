import * as k8s from '../../imports/k8s';
import { checkDnsSubdomain, fail } from './validate';

/** A key of an existing Secret: the stack references Secrets and never writes their values. */
export interface SecretKeyRef {
  /** The Secret's name, in the stack's namespace. */
  readonly name: string;
  /** The key inside the Secret. */
  readonly key: string;
}

/** Checks a Secret reference: a valid object name and a valid data key. */
export function checkSecretKeyRef(field: string, ref: SecretKeyRef): SecretKeyRef {
  if (!ref || typeof ref !== 'object') fail(field, 'is missing', 'give { name: <existing Secret>, key: <key in it> }');
  checkDnsSubdomain(`${field}.name`, ref.name);
  if (typeof ref.key !== 'string' || !/^[-._a-zA-Z0-9]{1,253}$/.test(ref.key)) {
    fail(`${field}.key`, `"${ref.key}" is not a Secret key`, "use letters, digits, '-', '_' and '.'");
  }
  return ref;
}

/** An environment variable read from a Secret key: the value stays in the cluster, the manifest holds the reference. */
export function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}
