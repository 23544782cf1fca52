// The app: read the configuration file, write dist/. Everything else is in charts/.
import { parseArgs } from 'util';
import { synthesizeConfig } from './charts';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'prefect-stack.yaml' },
    output: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'dist' },
  },
});

try {
  synthesizeConfig(values.config!, values.output!);
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exit(1);
}
