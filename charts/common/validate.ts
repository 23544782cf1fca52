import { cronScheduleError } from './cron';

/**
 * Synth-time checks shared by every construct. Each throws an `Error` whose message starts with the
 * configuration key (as written in prefect-stack.yaml) and ends with the fix, so a typo is caught before
 * `kubectl apply` and the user knows which line to change.
 */

/** Throws `Error("<field>: <problem>; <fix>")`. */
export function fail(field: string, problem: string, fix: string): never {
  throw new Error(`${field}: ${problem}; ${fix}`);
}

/** Kubernetes' quantity grammar (resource.ParseQuantity): a decimal number, then a binary or decimal suffix or an exponent. */
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const DECIMAL_TO_BINARY: Record<string, string> = { KB: 'Ki', MB: 'Mi', GB: 'Gi', TB: 'Ti', PB: 'Pi', K: 'Ki', KI: 'Ki', MI: 'Mi', GI: 'Gi', TI: 'Ti' };

/** A Kubernetes resource quantity such as `512Mi`, `10Gi`, `250m` or `2`; never negative (no resource or size is). */
export function checkQuantity(field: string, value: string): string {
  if (typeof value === 'string' && QUANTITY.test(value)) {
    if (value.startsWith('-') && quantityValue(value) !== 0) return fail(field, `"${value}" is negative`, 'give a size or amount of at least 0');
    return value;
  }
  const m = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(String(value).trim());
  const suggestion = m && DECIMAL_TO_BINARY[m[2].toUpperCase()] ? ` (did you mean "${m[1]}${DECIMAL_TO_BINARY[m[2].toUpperCase()]}"?)` : '';
  return fail(field, `"${value}" is not a Kubernetes quantity${suggestion}`, 'use a number with an optional suffix such as 512Mi, 10Gi, 250m or 2');
}

/** Parses a quantity into base units (bytes, or cores for CPU), for comparisons only. */
export function quantityValue(value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const sign = value.startsWith('-') ? -1 : 1;
  const n = sign * parseFloat(m[1]);
  const suffix = m[3] ?? '';
  const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  if (suffix in binary) return n * binary[suffix];
  if (suffix in decimal) return n * decimal[suffix];
  return n * Math.pow(10, parseInt(suffix.slice(1), 10));
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** An RFC 1123 label: a namespace or a short object name. */
export function checkDnsLabel(field: string, value: string, maxLength = 63): string {
  if (typeof value === 'string' && value.length <= maxLength && DNS_LABEL.test(value)) return value;
  return fail(
    field,
    `"${value}" is not a DNS label`,
    `use at most ${maxLength} lower-case letters, digits and '-', starting and ending with a letter or digit`,
  );
}

/** An RFC 1123 subdomain: an object name such as a Secret's. */
export function checkDnsSubdomain(field: string, value: string): string {
  if (typeof value === 'string' && value.length <= 253 && value.split('.').every((part) => DNS_LABEL.test(part))) return value;
  return fail(field, `"${value}" is not a valid Kubernetes object name`, "use lower-case letters, digits, '-' and '.' (at most 253 characters)");
}

/** A host name as written in an Ingress rule or a URL; `*.` wildcards allowed where `wildcard` is set. */
export function checkHostname(field: string, value: string, wildcard = false): string {
  const host = wildcard && typeof value === 'string' && value.startsWith('*.') ? value.slice(2) : value;
  if (typeof host === 'string' && host.length <= 253 && host.includes('.') && host.split('.').every((part) => DNS_LABEL.test(part))) return value;
  return fail(field, `"${value}" is not a DNS host name`, 'use a fully qualified lower-case name such as prefect.example.com (no scheme, port or path)');
}

/** An absolute URL with one of the given schemes. */
export function checkUrl(field: string, value: string, schemes: string[]): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !schemes.includes(url.protocol.replace(/:$/, '')) || !url.hostname) {
    return fail(
      field,
      `"${value}" is not an absolute ${schemes.join(' or ')} URL`,
      `write it with its scheme and host, e.g. ${schemes[0]}://prefect.example.com`,
    );
  }
  return url;
}

/** A whole number within bounds. */
export function checkInt(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
  return fail(field, `${JSON.stringify(value)} is not a whole number ${range}`, `set a whole number ${range}`);
}

const RELEASE = /^\d+\.\d+\.\d+$/;

/** An exact release such as `3.9.1`: floating tags (`latest`, `3`, `3-latest`) make rollouts unrepeatable. */
export function checkRelease(field: string, value: string): string {
  if (typeof value === 'string' && RELEASE.test(value)) return value;
  return fail(field, `"${value}" is not an exact release`, 'pin an exact version such as 3.9.1 (floating tags like "latest" make every rollout different)');
}

/** An image tag that is pinned: not empty and not `latest`. */
export function checkImageTag(field: string, value: string): string {
  if (typeof value === 'string' && /^[\w][\w.-]{0,127}$/.test(value) && value !== 'latest') return value;
  return fail(field, `"${value}" is not a pinned image tag`, 'pin an exact tag (or a digest); "latest" changes under you');
}

/** A CronJob schedule, exactly as the API server accepts it (see cron.ts). */
export function checkCron(field: string, value: string): string {
  const problem = cronScheduleError(value);
  if (!problem) return value;
  return fail(
    field,
    `"${value}" is not a cron schedule (${problem})`,
    'use five fields "minute hour day-of-month month day-of-week", e.g. "15 2 * * *" or "0 2 * * MON-FRI", or a macro like @daily',
  );
}

/**
 * A CronJob time zone as the API server accepts it: a name of the IANA database (the server loads it from its
 * tzdata), not `Local`, not an offset.
 */
export function checkTimeZone(field: string, value: string): string {
  let known = false;
  try {
    known =
      typeof value === 'string' &&
      /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value) &&
      value !== 'Local' &&
      Boolean(new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone);
  } catch {
    known = false;
  }
  if (known) return value;
  return fail(field, `"${value}" is not a time zone of the IANA database`, 'use a name such as Etc/UTC, Europe/Berlin or America/New_York');
}

/** A CIDR block such as `10.0.0.0/8` or `2001:db8::/32`. */
export function checkCidr(field: string, value: string): string {
  const [ip, bits, extra] = typeof value === 'string' ? value.split('/') : [];
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip ?? '');
  const ok =
    extra === undefined &&
    bits !== undefined &&
    /^\d+$/.test(bits) &&
    ((v4 && v4.slice(1).every((o) => Number(o) <= 255) && Number(bits) <= 32) || (/^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':') && Number(bits) <= 128));
  if (ok) return value;
  return fail(field, `"${value}" is not a CIDR block`, 'write an address with its prefix length, e.g. 203.0.113.0/24');
}

const DNS_SUBDOMAIN_PART = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Whether `key` is a qualified name as labels and annotations take it: an optional DNS-subdomain prefix and `/`, then a name of at most 63. */
export function isQualifiedName(key: string): boolean {
  if (typeof key !== 'string') return false;
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !prefix.split('.').every((p) => DNS_SUBDOMAIN_PART.test(p)))) return false;
  return QUALIFIED_NAME.test(name);
}

/** A map of labels: qualified-name keys, values of at most 63 letters, digits, `-`, `_`, `.` (or empty). */
export function checkLabels(field: string, labels: { [key: string]: string } | undefined): { [key: string]: string } {
  if (labels === undefined) return {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) fail(field, 'is not a map of labels', 'write labels as key: value pairs');
  for (const [k, v] of Object.entries(labels)) {
    if (!isQualifiedName(k))
      fail(
        `${field}.${k}`,
        'is not a label key',
        'use an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and "." starting and ending with a letter or digit',
      );
    if (typeof v !== 'string' || !LABEL_VALUE.test(v))
      fail(
        `${field}.${k}`,
        `${JSON.stringify(v)} is not a label value`,
        'quote it; at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
      );
  }
  return labels;
}

/** A map of annotations: qualified-name keys, string values, at most 256 KiB in all (the API server's limit). */
export function checkAnnotations(field: string, annotations: { [key: string]: string } | undefined): { [key: string]: string } {
  if (annotations === undefined) return {};
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations))
    fail(field, 'is not a map of annotations', 'write annotations as key: value pairs');
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (!isQualifiedName(k))
      fail(
        `${field}.${k}`,
        'is not an annotation key',
        'use an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and "." starting and ending with a letter or digit',
      );
    if (typeof v !== 'string') fail(`${field}.${k}`, `${JSON.stringify(v)} is not a string`, 'quote the value');
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > 256 * 1024) fail(field, `holds ${size} bytes`, 'keep all annotations of an object under 256 KiB');
  return annotations;
}
