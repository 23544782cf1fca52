import { PrefectStackProps, namespaceNamed } from '../../charts';
import { Endpoint, PolicyEvaluator, stackPods } from '../network/policy-eval';
import { envMap, ofKind, one, synth, withMonitoring } from '../util';

/** The CloudNativePG mode with the in-cluster Redis. */
const CNPG: PrefectStackProps = { database: { cloudNativePG: {} } };
const cluster = (props: PrefectStackProps = CNPG) => one(synth(props), 'Cluster');
const tcp = (port: number) => ({ port, protocol: 'TCP' as const });

describe('CloudNativePgCluster', () => {
  test('a Cluster of 3 instances, each on its own node, of the stack pinned postgres image, bootstrapped for Prefect', () => {
    const c = cluster();
    expect(c.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(c.metadata.name).toBe('prefect-postgres');
    expect(c.spec.instances).toBe(3);
    expect(c.spec.affinity).toEqual({ enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' });
    // the same image (and UID) the in-cluster StatefulSet runs
    const statefulSet = one(synth({ database: { inCluster: {} } }), 'StatefulSet', 'prefect-postgres');
    expect(c.spec.imageName).toBe(statefulSet.spec.template.spec.containers[0].image);
    expect([c.spec.postgresUID, c.spec.postgresGID]).toEqual([999, 999]);
    expect(c.spec.bootstrap.initdb).toMatchObject({
      database: 'prefect',
      owner: 'prefect',
      postInitApplicationSQL: ['CREATE EXTENSION IF NOT EXISTS pg_trgm'],
    });
    // no Secret of the stack's: the operator generates the app password
    expect(c.spec.bootstrap.initdb.secret).toBeUndefined();
    expect(ofKind(synth(CNPG), 'Secret')).toEqual([]);
  });

  test('max_connections is derived from the connection budget as for the in-cluster server; shared_buffers from the memory limit', () => {
    const inCluster = one(synth({ database: { inCluster: {} } }), 'StatefulSet', 'prefect-postgres').spec.template.spec.containers[0].args;
    expect(inCluster).toContain(`max_connections=${cluster().spec.postgresql.parameters.max_connections}`);
    const big = cluster({ ...CNPG, api: { replicas: 6 } });
    expect(Number(big.spec.postgresql.parameters.max_connections)).toBeGreaterThan(Number(cluster().spec.postgresql.parameters.max_connections));
    const c = cluster({ ...CNPG, database: { cloudNativePG: { resources: { limits: { memory: '8Gi' } }, parameters: { work_mem: '8MB' } } } });
    expect(c.spec.postgresql.parameters).toMatchObject({ shared_buffers: '2048MB', work_mem: '8MB' });
    expect(c.spec.resources.limits.memory).toBe('8Gi');
  });

  test('Prefect, the migrate Job and the backups reach the primary through the -rw Service with the operator Secrets', () => {
    const objs = synth(CNPG);
    for (const name of ['prefect-api', 'prefect-background-services']) {
      expect(envMap(one(objs, 'Deployment', name).spec.template.spec.containers[0])).toMatchObject({
        PREFECT_SERVER_DATABASE_HOST: 'prefect-postgres-rw',
        PREFECT_SERVER_DATABASE_PORT: '5432',
        PREFECT_SERVER_DATABASE_NAME: 'prefect',
        PREFECT_SERVER_DATABASE_USER: 'secret:prefect-postgres-app/username',
        PREFECT_SERVER_DATABASE_PASSWORD: 'secret:prefect-postgres-app/password',
      });
    }

    const migrate = one(objs, 'Job').spec.template.spec;
    expect(migrate.initContainers.map((c: any) => c.name)).toContain('ensure-extension');
    expect(migrate.initContainers.map((c: any) => c.name)).not.toContain('ensure-database');
    const ensure = migrate.initContainers.find((c: any) => c.name === 'ensure-extension');
    expect(envMap(ensure).PGHOST).toBe('prefect-postgres-rw');
    expect(ensure.command.join(' ')).toMatch(/CREATE EXTENSION IF NOT EXISTS pg_trgm/);

    const backup = one(objs, 'CronJob', 'prefect-postgres-backup').spec.jobTemplate.spec.template.spec.containers[0];
    expect(envMap(backup)).toMatchObject({
      PGHOST: 'prefect-postgres-rw',
      PGUSER: 'secret:prefect-postgres-superuser/username',
      PGPASSWORD: 'secret:prefect-postgres-superuser/password',
      PGDATABASE: 'prefect',
    });
    const restore = one(objs, 'CronJob', 'prefect-postgres-restore').spec.jobTemplate.spec.template.spec.containers[0];
    expect(envMap(restore).APP_USER).toBe('secret:prefect-postgres-app/username');
    // the scripts the backup pods mount
    const scripts = one(objs, 'ConfigMap', 'prefect-postgres-scripts');
    expect(Object.keys(scripts.data).sort()).toEqual(['pg-backup.sh', 'pg-prune.sh', 'pg-restore.sh']);
  });

  test('the superuser is on only while backups need it', () => {
    expect(cluster().spec.enableSuperuserAccess).toBe(true);
    const objs = synth({ ...CNPG, database: { cloudNativePG: { backups: { enabled: false } } } });
    expect(one(objs, 'Cluster').spec.enableSuperuserAccess).toBe(false);
    expect(ofKind(objs, 'CronJob')).toEqual([]);
    expect(objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prefect-postgres-scripts')).toBeUndefined();
  });

  test('scheduling, registries and metadata reach the Cluster: stack-wide, then per component', () => {
    const c = cluster({
      ...CNPG,
      images: { pullSecrets: ['regcred'], pullPolicy: 'Always' },
      commonLabels: { team: 'data' },
      scheduling: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'data', effect: 'NoSchedule' }], priorityClassName: 'prefect-high' },
      database: {
        cloudNativePG: {
          instances: 2,
          spread: 'preferred',
          nodeSelector: { pool: 'db' },
          podLabels: { cost: 'db' },
          podAnnotations: { 'example.com/scrape': 'no' },
          serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/pg' } },
          storage: { size: '50Gi', storageClassName: 'fast' },
        },
      },
    });
    expect(c.spec.instances).toBe(2);
    expect(c.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(c.spec.imagePullPolicy).toBe('Always');
    expect(c.spec.priorityClassName).toBe('prefect-high');
    expect(c.spec.affinity).toMatchObject({
      podAntiAffinityType: 'preferred',
      nodeSelector: { pool: 'db' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'data', effect: 'NoSchedule' }],
    });
    expect(c.spec.inheritedMetadata).toEqual({ labels: { team: 'data', cost: 'db' }, annotations: { 'example.com/scrape': 'no' } });
    expect(c.spec.serviceAccountTemplate).toEqual({ metadata: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/pg' } } });
    expect(c.spec.storage).toEqual({ size: '50Gi', storageClass: 'fast' });
  });

  test('NetworkPolicies: the operator, the instances among themselves and to the API server, Prefect and the backups — nothing else', () => {
    const objs = synth(CNPG);
    const ns = namespaceNamed('prefect');
    const ev = new PolicyEvaluator(ofKind(objs, 'NetworkPolicy'), ns);
    const pods = Object.fromEntries(stackPods(objs, ns).map((p) => [p.name, p]));
    expect(Object.keys(pods)).toEqual(expect.arrayContaining(['api', 'background-services', 'migrate', 'postgres-backup', 'redis', 'worker']));
    // the operator makes the instance pods (and its initdb and join Jobs' pods) with these labels
    const instance: Endpoint = {
      kind: 'pod',
      name: 'instance',
      labels: { 'cnpg.io/cluster': 'prefect-postgres', 'app.kubernetes.io/component': 'database' },
      namespaceLabels: ns,
      inStack: true,
    };
    const operator: Endpoint = {
      kind: 'pod',
      name: 'operator',
      labels: { 'app.kubernetes.io/name': 'cloudnative-pg' },
      namespaceLabels: namespaceNamed('cnpg-system'),
      inStack: false,
    };
    const elsewhere: Endpoint = { kind: 'pod', name: 'other', labels: { app: 'x' }, namespaceLabels: namespaceNamed('default'), inStack: false };
    const apiServer: Endpoint = { kind: 'cidr', name: 'api-server', cidrs: ['0.0.0.0/0'] };
    expect(ev.allowed(operator, instance, tcp(8000))).toBe(true);
    expect(ev.allowed(operator, instance, tcp(5432))).toBe(true);
    expect(ev.allowed(instance, instance, tcp(5432))).toBe(true);
    expect(ev.allowed(instance, apiServer, tcp(6443))).toBe(true);
    for (const client of ['api', 'background-services', 'migrate', 'postgres-backup'])
      expect([client, ev.allowed(pods[client], instance, tcp(5432))]).toEqual([client, true]);
    // and not
    expect(ev.allowed(elsewhere, instance, tcp(5432))).toBe(false);
    expect(ev.allowed(pods.redis, instance, tcp(5432))).toBe(false);
    expect(ev.allowed(pods.worker, instance, tcp(5432))).toBe(false);
    expect(ev.allowed(instance, apiServer, tcp(80))).toBe(false);
    expect(ev.allowed(instance, pods.redis, tcp(6379))).toBe(false);
  });

  test('the instances are scraped through a metrics Service over every instance', () => {
    const objs = withMonitoring({}, CNPG);
    const svc = one(objs, 'Service', 'prefect-postgres-metrics');
    expect(svc.spec.selector).toEqual({ 'cnpg.io/cluster': 'prefect-postgres', 'app.kubernetes.io/component': 'database' });
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9187, protocol: 'TCP', targetPort: 'metrics' }]);
    const monitor = ofKind(objs, 'ServiceMonitor').find((m) => JSON.stringify(m).includes('prefect-postgres-metrics'));
    expect(monitor).toBeDefined();
  });
});
