import * as fs from 'fs';
import * as path from 'path';
import { DATA_SCRIPTS, DATA_SCRIPTS_PATH, dataScript } from '../../charts';
import { one, synth } from '../util';

const DIR = path.join(__dirname, '..', '..', 'charts', 'data', 'scripts');

describe('the data tier scripts', () => {
  test('the list is every script of charts/data/scripts, none forgotten', () => {
    expect([...DATA_SCRIPTS].sort()).toEqual(
      fs
        .readdirSync(DIR)
        .filter((f) => f.endsWith('.sh'))
        .sort(),
    );
  });

  test.each(DATA_SCRIPTS)('%s is read byte for byte from its file', (name) => {
    expect(dataScript(name)).toBe(fs.readFileSync(path.join(DIR, name), 'utf8'));
    expect(dataScript(name).startsWith('#!/usr/bin/env bash\n')).toBe(true);
  });

  test('a script that does not exist is an error naming it and where it was looked for', () => {
    expect(() => dataScript('no-such.sh' as any)).toThrow(/data tier script no-such\.sh not found in .*charts[/\\]data[/\\]scripts[/\\]no-such\.sh/);
  });

  test('the in-cluster PostgreSQL mounts exactly these scripts where the CronJobs run them', () => {
    const objs = synth({});
    expect(Object.keys(one(objs, 'ConfigMap', 'prefect-postgres-scripts').data).sort()).toEqual([...DATA_SCRIPTS].sort());
    const backup = one(objs, 'CronJob', 'prefect-postgres-backup').spec.jobTemplate.spec.template.spec;
    const mounts = backup.containers.flatMap((c: any) => c.volumeMounts ?? []);
    expect(mounts).toContainEqual(expect.objectContaining({ mountPath: DATA_SCRIPTS_PATH, readOnly: true }));
  });
});
