// The invalid side of the configuration space (issue 14): generated configurations, each a valid one with one
// value Kubernetes or the stack refuses, written as a configuration file and synthesized as `npm run synth` does.
// Every one must be refused naming its key, and leave the output folder exactly as it was. (The valid side is
// applied to the real API server in test/cluster/config-space.test.ts.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { synthesizeConfig } from '../../charts/app';
import { invalidConfig } from '../config-space/arbitraries';

const RUNS = Number(process.env.CONFIG_SPACE_INVALID_RUNS ?? 300);
const SEED = Number(process.env.CONFIG_SPACE_SEED ?? Date.now() % 2 ** 31);

test(`${RUNS} generated invalid configurations are refused at synth, naming the key, writing nothing`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-space-'));
  const out = path.join(dir, 'dist');
  const file = path.join(dir, 'prefect-stack.yaml');
  const byClass = new Map<string, number>();
  try {
    fc.assert(
      fc.property(invalidConfig, (m) => {
        // each run its own last good output (a run that wrongly succeeds replaces it; shrinking must not see that)
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
        fs.writeFileSync(path.join(out, 'last-good.yaml'), 'kind: List\n');
        fs.writeFileSync(file, JSON.stringify(m.props)); // JSON is YAML
        let message = '';
        try {
          synthesizeConfig(file, out);
        } catch (e) {
          message = (e as Error).message;
        }
        if (!message) throw new Error(`accepted (${m.class}, ${m.key}): ${JSON.stringify(m.props)}`);
        // the key, whole: first on a line (the constructs' "key: problem; fix") or after the file and line (the schema's)
        const named = new RegExp(`(^|: )${m.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[: ]`);
        if (!message.split('\n').some((l) => named.test(l.trim()))) {
          throw new Error(`refused (${m.class}) without naming ${m.key}: ${message}`);
        }
        if (message.includes('    at ')) throw new Error(`the message carries a stack trace: ${message}`);
        expect(fs.readdirSync(out)).toEqual(['last-good.yaml']);
        expect(fs.readFileSync(path.join(out, 'last-good.yaml'), 'utf8')).toBe('kind: List\n');
        byClass.set(m.class, (byClass.get(m.class) ?? 0) + 1);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `FIGURE config space (invalid): seed ${SEED}: ${RUNS} generated, ${RUNS} refused at synth naming the key, 0 wrote anything; by class: ${[...byClass]
      .sort()
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
  );
  // every class was drawn
  expect([...byClass.keys()].sort()).toEqual([
    'annotation key',
    'cron',
    'forbidden combination',
    'host',
    'label key',
    'label value',
    'name',
    'port',
    'postgres setting',
    'quantity',
    'time zone',
  ]);
}, 300_000);
