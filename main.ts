// The app: read the configuration file, write dist/. Everything else is in charts/.
import { parseArgs } from 'util';
import { withFastYaml } from './app/yaml-writer';
import { synthesizeConfig } from './charts';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'prefect-stack.yaml' },
    output: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'dist' },
  },
});

try {
  // The same files as cdk8s's own writer, faster (app/yaml-writer.ts).
  withFastYaml(() => synthesizeConfig(values.config!, values.output!));
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
