/** Series the database-growth group records (level:metric form; the labels tell stacks apart). */
export const DB_SIZE = 'prefect:pg_database_size_bytes';
export const DB_GROWTH = 'prefect:pg_database_growth_bytes_per_day';
export const TABLE_BYTES = 'prefect:pg_table_total_bytes';
export const GIB = 2 ** 30;

/** `20 GiB`, `1.5 GiB`: sizes in the alerts' text. */
export function gib(bytes: number): string {
  return `${Number((bytes / GIB).toFixed(1))} GiB`;
}

/** `{a="b",c="d"}` from pairs; values are escaped as PromQL strings. */
export function promSelector(matchers: Record<string, string>, op: Record<string, string> = {}): string {
  return `{${Object.entries(matchers)
    .map(([k, v]) => `${k}${op[k] ?? '='}${JSON.stringify(v)}`)
    .join(',')}}`;
}

/** Regex-escapes a literal for a PromQL `=~` matcher. */
export function promRegexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
