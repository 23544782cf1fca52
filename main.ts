// The app: read the configuration file, write dist/. Everything else is in charts/.
import { parseArgs } from 'util';
import { withFastYaml } from './app/yaml-writer';
import { synthesizeConfig, synthesizeEnvironments } from './charts';

const USAGE = `usage: node lib/main.js [--config FILE] [--environments DIR] [--output DIR]

Synthesizes the Prefect stack a configuration file describes into a folder of Kubernetes manifests.
On any error it prints what is wrong (the key and the fix) and writes nothing.

  --config FILE   the configuration file (default: prefect-stack.yaml)
  --environments DIR
                  one overlay per environment (DIR/<environment>.yaml) on top of the --config file;
                  each environment goes to <output>/<environment>/ (docs/deploying.md "Several environments")
  --output DIR    where the manifests go (default: dist)
  --help          this text`;

let values: { config?: string; environments?: string; output?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    strict: true,
    options: {
      config: { type: 'string', default: 'prefect-stack.yaml' },
      environments: { type: 'string' },
      output: { type: 'string', default: 'dist' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (e) {
  console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

try {
  // Run by `cdk8s synth`, which empties its own output folder (CDK8S_OUTDIR) first: write there too, for its
  // listing and validation plugins, while dist/ is only replaced by a synthesis that succeeded.
  const cli = process.env.CDK8S_OUTDIR;
  // The same files as cdk8s's own writer, faster (app/yaml-writer.ts).
  const also = cli ? [cli] : [];
  withFastYaml(() =>
    values.environments === undefined
      ? synthesizeConfig(values.config!, values.output!, ...also)
      : synthesizeEnvironments(values.config!, values.environments, values.output!, ...also),
  );
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
