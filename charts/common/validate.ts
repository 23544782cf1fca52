/**
 * Synth-time checks shared by every construct. Each throws an `Error` whose message starts with the
 * configuration key (as written in prefect-stack.yaml) and ends with the fix, so a typo is caught before
 * `kubectl apply` and the user knows which line to change.
 */

/** Throws `Error("<field>: <problem>; <fix>")`. */
export function fail(field: string, problem: string, fix: string): never {
  throw new Error(`${field}: ${problem}; ${fix}`);
}

const QUANTITY = /^([+-]?[0-9.]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$/;
const DECIMAL_TO_BINARY: Record<string, string> = { KB: 'Ki', MB: 'Mi', GB: 'Gi', TB: 'Ti', PB: 'Pi', K: 'Ki', KI: 'Ki', MI: 'Mi', GI: 'Gi', TI: 'Ti' };

/** A Kubernetes resource quantity such as `512Mi`, `10Gi`, `250m` or `2`. */
export function checkQuantity(field: string, value: string): string {
  if (typeof value === 'string' && QUANTITY.test(value) && !Number.isNaN(parseFloat(value))) return value;
  const m = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(String(value).trim());
  const suggestion = m && DECIMAL_TO_BINARY[m[2].toUpperCase()] ? ` (did you mean "${m[1]}${DECIMAL_TO_BINARY[m[2].toUpperCase()]}"?)` : '';
  return fail(field, `"${value}" is not a Kubernetes quantity${suggestion}`, 'use a number with an optional suffix such as 512Mi, 10Gi, 250m or 2');
}

/** Parses a quantity into base units (bytes, or cores for CPU), for comparisons only. */
export function quantityValue(value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) throw new Error(`not a quantity: ${value}`);
  const n = parseFloat(m[1]);
  const suffix = m[2] ?? '';
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
  return fail(field, `"${value}" is not a DNS label`, `use at most ${maxLength} lower-case letters, digits and '-', starting and ending with a letter or digit`);
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
    return fail(field, `"${value}" is not an absolute ${schemes.join(' or ')} URL`, `write it with its scheme and host, e.g. ${schemes[0]}://prefect.example.com`);
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

const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;
const CRON_BOUNDS: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

/** A five-field cron expression as the CronJob controller accepts it (numbers, ranges, steps, lists, or @macros). */
export function checkCron(field: string, value: string): string {
  const macros = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
  if (macros.includes(value)) return value;
  const parts = typeof value === 'string' ? value.trim().split(/\s+/) : [];
  const ok = parts.length === 5 && parts.every((part, i) => CRON_FIELD.test(part)
    && (part.match(/\d+/g) ?? []).every((n, j, all) => {
      const isStep = part.includes('/') && j === all.length - 1;
      return isStep ? Number(n) > 0 : Number(n) >= CRON_BOUNDS[i][0] && Number(n) <= CRON_BOUNDS[i][1];
    }));
  if (ok) return value;
  return fail(field, `"${value}" is not a cron schedule`, 'use five fields "minute hour day-of-month month day-of-week", e.g. "15 2 * * *", or a macro like @daily');
}

/** A CIDR block such as `10.0.0.0/8` or `2001:db8::/32`. */
export function checkCidr(field: string, value: string): string {
  const [ip, bits, extra] = typeof value === 'string' ? value.split('/') : [];
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip ?? '');
  const ok = extra === undefined && bits !== undefined && /^\d+$/.test(bits) && (
    (v4 && v4.slice(1).every((o) => Number(o) <= 255) && Number(bits) <= 32)
    || (/^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':') && Number(bits) <= 128));
  if (ok) return value;
  return fail(field, `"${value}" is not a CIDR block`, 'write an address with its prefix length, e.g. 203.0.113.0/24');
}
