/**
 * CronJob schedules exactly as Kubernetes accepts them. The API server validates `spec.schedule` with
 * `cron.ParseStandard` of github.com/robfig/cron/v3 (and refuses `TZ`/`CRON_TZ` in it); the general-purpose npm
 * parsers differ from it both ways (cron-parser refuses `0 0 31 2 *` and `@every 1h`, accepts `L`, `#`, a seconds
 * field and 7 for Sunday), so this follows robfig's grammar rule for rule (parser.go of v3.0.1): five
 * whitespace-separated fields, each a comma list of `*`/`?`, `n`, `n-m` with an optional `/step`, month and
 * weekday names case-insensitively; or a descriptor (`@yearly` … `@hourly`, `@every <Go duration>`).
 * The cluster tier checks it against the real API server.
 */

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Record<string, number>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Array<[string, Bounds]> = [
  ['minute', { min: 0, max: 59 }],
  ['hour', { min: 0, max: 23 }],
  ['day of month', { min: 1, max: 31 }],
  ['month', { min: 1, max: 12, names: MONTHS }],
  ['day of week', { min: 0, max: 6, names: DAYS }],
];
const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Go's strconv.Atoi on a non-negative number: optional sign, decimal digits only. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function intOrName(s: string, b: Bounds): number | undefined {
  return b.names?.[s.toLowerCase()] ?? atoi(s);
}

/** robfig's getRange: the reason the expression is refused, or undefined. */
function rangeError(expr: string, b: Bounds): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number | undefined;
  let end: number | undefined;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
  } else {
    start = intOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], b);
    else return `too many hyphens in "${expr}"`;
    if (start === undefined || end === undefined) return `"${expr}" is not a number${b.names ? ' or a name' : ''}`;
  }
  if (rangeAndStep.length === 2) {
    const step = atoi(rangeAndStep[1]);
    if (step === undefined) return `the step of "${expr}" is not a number`;
    if (step === 0) return `the step of "${expr}" must be positive`;
    if (lowAndHigh.length === 1) end = b.max;
  } else if (rangeAndStep.length > 2) {
    return `too many slashes in "${expr}"`;
  }
  if (start! < b.min) return `${start} is below ${b.min}`;
  if (end! > b.max) return `${end} is above ${b.max}`;
  if (start! > end!) return `the range "${expr}" starts after it ends`;
  return undefined;
}

/** Go's time.ParseDuration: `[-+]?` then one or more `<decimal><unit>`, or a bare `0`. */
function isGoDuration(s: string): boolean {
  return /^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$/.test(s);
}

/** Why Kubernetes would refuse a CronJob schedule, or undefined when it accepts it. */
export function cronScheduleError(spec: string): string | undefined {
  if (typeof spec !== 'string' || spec.length === 0) return 'it is empty';
  if (spec.includes('TZ')) return 'TZ and CRON_TZ are not allowed in the schedule (the time zone has its own key)';
  if (spec.startsWith('@')) {
    if (DESCRIPTORS.includes(spec)) return undefined;
    if (spec.startsWith('@every ')) return isGoDuration(spec.slice('@every '.length)) ? undefined : `"${spec.slice(7)}" is not a duration such as 1h30m`;
    return `"${spec}" is not a descriptor`;
  }
  // Go's strings.Fields splits on any Unicode space; robfig's FieldsFunc drops empty list entries ("1,,2").
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) return `it has ${fields.length} fields, not 5`;
  for (const [i, [name, b]] of FIELDS.entries()) {
    for (const expr of fields[i].split(',').filter((e) => e !== '')) {
      const err = rangeError(expr, b);
      if (err) return `${name}: ${err}`;
    }
  }
  return undefined;
}
