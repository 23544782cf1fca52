import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizeConfig } from '../charts';

const ROOT = path.join(__dirname, '..');
const CONFIG = path.join(ROOT, 'prefect-stack.yaml');

/** Every file below `dir` with its content. */
function files(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [path.relative(dir, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name), 'utf8')]),
  );
}

describe('synthesizeConfig', () => {
  let work: string;
  beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'synthesize-'))));
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes the stack into outdir and each alsoTo folder, replacing what was there, leaving no scratch folder', () => {
    const out = path.join(work, 'dist');
    const cli = path.join(work, 'cdk8s.out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'stale.yaml'), 'old');
    synthesizeConfig(CONFIG, out, cli, out);
    expect(Object.keys(files(out))).toEqual(['prefect-stack.k8s.yaml']);
    expect(files(cli)).toEqual(files(out));
    expect(files(out)['prefect-stack.k8s.yaml']).toBe(fs.readFileSync(path.join(ROOT, 'dist', 'prefect-stack.k8s.yaml'), 'utf8'));
    expect(fs.readdirSync(work).sort()).toEqual(['cdk8s.out', 'dist']);
  });

  test('a bad configuration throws, writes nothing, and leaves the last good output as it was', () => {
    const out = path.join(work, 'dist');
    synthesizeConfig(CONFIG, out);
    const before = files(out);
    const bad = path.join(work, 'bad.yaml');
    fs.writeFileSync(bad, 'api:\n  replicas: -1\n');
    expect(() => synthesizeConfig(bad, out)).toThrow(/^api\.replicas: /);
    expect(files(out)).toEqual(before);
    expect(fs.readdirSync(work).sort()).toEqual(['bad.yaml', 'dist']);
  });

  test('an output folder whose parent does not exist yet is created', () => {
    const out = path.join(work, 'a', 'b', 'dist');
    synthesizeConfig(CONFIG, out);
    expect(Object.keys(files(out))).toEqual(['prefect-stack.k8s.yaml']);
  });
});
