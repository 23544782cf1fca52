import * as path from 'path';
import { loadConfig } from '../../charts';
import { MINIMAL, literalCredentials, one, synth } from '../util';

const names = (objs: any[], kind: string) =>
  objs
    .filter((o) => o.kind === kind)
    .map((o) => o.metadata.name)
    .sort();

describe('DataTier', () => {
  test('in the cluster by default: both StatefulSets, their Services, the backup and restore CronJobs', () => {
    const objs = synth({});
    expect(names(objs, 'StatefulSet')).toEqual(['prefect-postgres', 'prefect-redis']);
    expect(names(objs, 'Service')).toEqual(
      expect.arrayContaining(['prefect-postgres', 'prefect-postgres-headless', 'prefect-redis', 'prefect-redis-headless']),
    );
    expect(names(objs, 'CronJob')).toEqual(['prefect-postgres-backup', 'prefect-postgres-restore']);
    expect(names(objs, 'PersistentVolumeClaim')).toEqual(['prefect-postgres-backups']);
  });

  test('external servers replace the in-cluster ones, and the migrate Job gets no superuser init container', () => {
    const objs = synth(MINIMAL);
    expect(names(objs, 'StatefulSet')).toEqual([]);
    expect(names(objs, 'CronJob')).toEqual([]);
    expect(one(objs, 'Job').spec.template.spec.initContainers ?? []).toEqual([]);
  });

  test('one of each may be external', () => {
    const objs = synth({ redis: MINIMAL.redis });
    expect(names(objs, 'StatefulSet')).toEqual(['prefect-postgres']);
    const objs2 = synth({ database: MINIMAL.database });
    expect(names(objs2, 'StatefulSet')).toEqual(['prefect-redis']);
  });

  test('no secret value anywhere, S3 credentials included', () => {
    const objs = synth({
      database: {
        inCluster: { backups: { s3: { bucket: 'b-1', accessKeyIdSecret: { name: 's', key: 'a' }, secretAccessKeySecret: { name: 's', key: 'b' } } } },
      },
    });
    expect(literalCredentials(objs)).toEqual([]);
    // The only password-like arguments are Kubernetes' $(VAR) references, expanded in the pod.
    const args = objs.flatMap((o) => JSON.stringify(o).match(/--requirepass","[^"]*"/g) ?? []);
    expect(args).toEqual(['--requirepass","$(REDIS_PASSWORD)"']);
  });

  test('the configuration file uses the in-cluster tier with Secrets referenced by name', () => {
    const config = loadConfig(path.resolve(__dirname, '../../prefect-stack.yaml'));
    expect(config.database?.external).toBeUndefined();
    expect(config.redis?.external).toBeUndefined();
    const objs = synth(config);
    expect(names(objs, 'StatefulSet')).toEqual(expect.arrayContaining(['prefect-postgres', 'prefect-redis']));
  });
});
