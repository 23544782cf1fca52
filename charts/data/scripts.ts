import * as fs from 'fs';
import * as path from 'path';

/** The data tier's shell scripts (charts/data/scripts): run in pods from a ConfigMap, and by the tests against a real PostgreSQL. */
export const DATA_SCRIPTS = ['ensure-database.sh', 'pg-backup.sh', 'pg-prune.sh', 'pg-restore.sh'] as const;

/** One script's text. */
export function dataScript(name: (typeof DATA_SCRIPTS)[number]): string {
  // Built code (lib/charts/data) finds the copies made by scripts/copy-assets.js; ts-node/jest find the sources.
  const candidates = [path.join(__dirname, 'scripts', name), path.join(__dirname, '..', '..', '..', 'charts', 'data', 'scripts', name)];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`data tier script ${name} not found in ${candidates.join(' or ')}`);
  return fs.readFileSync(found, 'utf8');
}

/** Where the scripts ConfigMap is mounted in data-tier pods. */
export const DATA_SCRIPTS_PATH = '/opt/prefect-stack/data';
