import { App } from 'cdk8s';
import { loadConfig } from './config/load';
import { PrefectStack } from './prefect-stack';

/** Synthesizes the stack a configuration file describes into `outdir` (what `npm run synth` does). */
export function synthesizeConfig(configFile: string, outdir: string): App {
  const app = new App({ outdir });
  new PrefectStack(app, 'prefect-stack', loadConfig(configFile));
  app.synth();
  return app;
}
