// Copies what tsc does not: the config schema and the scripts mounted into pods.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
for (const rel of ['charts/config/schema.json', 'charts/prefect/scripts', 'charts/data/scripts']) {
  fs.cpSync(path.join(root, rel), path.join(root, 'lib', rel), { recursive: true });
}
