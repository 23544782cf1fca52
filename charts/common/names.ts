import { fail } from './validate';

/**
 * Longest name each kind takes, where it is shorter than a DNS subdomain's 253 — because the API server says so
 * (CronJob: its Jobs append an 11-character suffix and must stay labels), because a controller derives a label
 * value from it (StatefulSet: `controller-revision-hash: <name>-<hash of 10>`; Job: `job-name: <name>`), or because
 * it is a DNS label itself (Service; CloudNativePG's Cluster, whose webhook caps it at 50 and requires a DNS-1035
 * label: it names the instances' pods and Services).
 */
export const NAME_LIMITS: { readonly [kind: string]: number } = {
  Service: 63,
  StatefulSet: 52,
  CronJob: 52,
  Job: 63,
  Cluster: 50,
};

/** The suffix of the longest name the stack derives from `name` (the restore CronJob). */
export const LONGEST_SUFFIX = '-postgres-restore';

/** The longest `name` every derived object name fits with. */
export const MAX_INSTANCE_LENGTH = NAME_LIMITS.CronJob - LONGEST_SUFFIX.length;

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Object names of one stack: `<instance>-<suffix>`, checked against the limit of their kind. */
export class ObjectNames {
  constructor(public readonly instance: string) {}

  /** The name of a `kind` object: `<instance>-<suffix>`; fails, naming `name`, when it would be too long. */
  public of(kind: string, suffix: string): string {
    const name = `${this.instance}-${suffix}`;
    const limit = NAME_LIMITS[kind] ?? 253;
    if (name.length > limit) {
      fail(
        'name',
        `"${this.instance}" makes the ${kind} name "${name}" ${name.length} characters long, over Kubernetes' ${limit}`,
        `shorten name by ${name.length - limit} characters`,
      );
    }
    if ((kind === 'Service' || kind === 'Cluster') && !DNS_1035.test(name))
      fail('name', `"${this.instance}" makes the ${kind} name "${name}", which must start with a letter`, 'start name with a letter');
    return name;
  }
}
