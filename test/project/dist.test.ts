import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { synthesizeConfig } from '../../charts';
import { literalCredentials } from '../util';

const root = path.join(__dirname, '../..');

/** Every file below `dir`, relative, sorted. */
function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function synthTo(): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-'));
  synthesizeConfig(path.join(root, 'prefect-stack.yaml'), out);
  return out;
}

describe('dist/', () => {
  const fresh = synthTo();

  test('the committed dist/ is exactly what a fresh synth writes', () => {
    const committed = path.join(root, 'dist');
    expect(files(committed)).toEqual(files(fresh));
    for (const f of files(fresh)) {
      // Byte-for-byte: a stale dist/ means `npm run synth` was not run before committing.
      expect([f, fs.readFileSync(path.join(committed, f), 'utf8')]).toEqual([f, fs.readFileSync(path.join(fresh, f), 'utf8')]);
    }
  });

  test('synthesis is deterministic', () => {
    const again = synthTo();
    for (const f of files(fresh)) expect(fs.readFileSync(path.join(again, f))).toEqual(fs.readFileSync(path.join(fresh, f)));
  });

  test('no secret value in dist/: no Secret object, no literal credential, no password inside a URL', () => {
    const objs = files(path.join(root, 'dist')).flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(root, 'dist', f), 'utf8'))
        .map((d) => d.toJS())
        .filter(Boolean),
    );
    expect(objs.length).toBeGreaterThan(20);
    expect(literalCredentials(objs)).toEqual([]);
    // Credentials inside URLs anywhere (ConfigMaps, base job templates too) must be $(VAR) references, never literals.
    for (const f of files(path.join(root, 'dist'))) {
      expect([f, fs.readFileSync(path.join(root, 'dist', f), 'utf8').match(/[a-z+]+:\/\/[^\s:@/$]+:[^\s@$(]+@/g) ?? []]).toEqual([f, []]);
    }
  });
});

describe('configuration schema', () => {
  test('charts/config/schema.json is generated from the current PrefectStackProps', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schema-')), 'schema.json');
    execFileSync('bash', [path.join(root, 'scripts/gen-schema.sh'), out], { cwd: root, stdio: 'pipe' });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(JSON.parse(fs.readFileSync(path.join(root, 'charts/config/schema.json'), 'utf8')));
  });
});
