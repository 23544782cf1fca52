import { ObjectNames, resolveWorker } from '../../charts';
import { MINIMAL, expectConfigError, synth, workPoolTemplate as template } from '../util';
const CTX = {
  names: new ObjectNames('prefect'),
  namespace: 'prefect',
  scheduling: {},
  api: { peer: { kind: 'pods' as const, podLabels: { 'app.kubernetes.io/component': 'api' } }, port: 4200, serviceName: 'prefect-api' },
};

describe('resolveWorker: bad input, naming the key', () => {
  test('a job namespace that is not a DNS label', () => {
    expectConfigError(() => synth({ ...MINIMAL, worker: { jobNamespaces: ['Flows_NS'] } }), 'worker.jobNamespaces[0]', /not a DNS label/);
    expectConfigError(() => synth({ ...MINIMAL, worker: { jobNamespaces: [] } }), 'worker.jobNamespaces', /empty/);
    expectConfigError(() => synth({ ...MINIMAL, worker: { jobNamespaces: ['a', 'a'] } }), 'worker.jobNamespaces', /twice/);
  });

  test('other worker options', () => {
    expectConfigError(() => synth({ ...MINIMAL, worker: { workPool: 'my pool/x' } }), 'worker.workPool', /not a work pool name/);
    expectConfigError(() => synth({ ...MINIMAL, worker: { replicas: 0 } }), 'worker.replicas');
    expectConfigError(() => synth({ ...MINIMAL, worker: { kubernetesApiCidrs: ['10.0.0.1'] } }), 'worker.kubernetesApiCidrs[0]', /CIDR/);
    expectConfigError(() => synth({ ...MINIMAL, worker: { jobs: { image: 'prefecthq/prefect:latest' } } }), 'worker.jobs.image', /pinned/);
    expectConfigError(() => synth({ ...MINIMAL, worker: { extraEnv: { PREFECT_API_URL: 'http://x' } } }), 'worker.extraEnv.PREFECT_API_URL', /managed/);
    expectConfigError(
      () => synth({ ...MINIMAL, worker: { jobs: { resources: { requests: { memory: '4Gi' } } } } }),
      'worker.jobs.resources.requests.memory',
      /above the limit/,
    );
  });

  test('a base job template that is not a work pool template', () => {
    const base = template(synth());
    const f = 'worker.baseJobTemplate';
    expectConfigError(() => resolveWorker({ baseJobTemplate: [] as any }, CTX), f);
    expectConfigError(() => resolveWorker({ baseJobTemplate: { variables: base.variables } as any }, CTX), `${f}.job_configuration`);
    const manifest = (m: object) => ({ job_configuration: { job_manifest: m }, variables: base.variables });
    expectConfigError(
      () => resolveWorker({ baseJobTemplate: manifest({ apiVersion: 'batch/v1', kind: 'CronJob' }) }, CTX),
      `${f}.job_configuration.job_manifest`,
      /batch\/v1 Job/,
    );
    expectConfigError(
      () => resolveWorker({ baseJobTemplate: manifest({ apiVersion: 'batch/v1', kind: 'Job', spec: {} }) }, CTX),
      `${f}.job_configuration.job_manifest.spec.template.spec`,
      /missing/,
    );
  });

  test('limits of replicas, concurrency and job timing', () => {
    expectConfigError(() => resolveWorker({ replicas: 21 }, CTX), 'worker.replicas');
    expectConfigError(() => resolveWorker({ limit: 0 }, CTX), 'worker.limit');
    expectConfigError(() => resolveWorker({ kubernetesApiPorts: [0] }, CTX), 'worker.kubernetesApiPorts[0]');
    expectConfigError(() => resolveWorker({ jobs: { finishedJobTtlSeconds: -1 } }, CTX), 'worker.jobs.finishedJobTtlSeconds');
    expectConfigError(() => resolveWorker({ jobs: { podWatchTimeoutSeconds: 5 } }, CTX), 'worker.jobs.podWatchTimeoutSeconds');
  });
});

describe('resolveWorker', () => {
  test('on by default, off with enabled: false', () => {
    expect(resolveWorker(undefined, CTX)).toBeDefined();
    expect(resolveWorker({ enabled: false }, CTX)).toBeUndefined();
  });

  test('the defaults: pool "kubernetes", one replica, jobs in the stack namespace, the Kubernetes API on 443 and 6443 anywhere', () => {
    const w = resolveWorker({}, CTX)!;
    expect(w).toMatchObject({ workPool: 'kubernetes', replicas: 1, limit: undefined, jobNamespaces: ['prefect'], kubernetesApiPorts: [443, 6443] });
    expect(w.kubernetesApiCidrs).toEqual(['0.0.0.0/0', '::/0']);
    expect(w.baseJobTemplate).toBeUndefined();
    expect(w.jobs).toMatchObject({ image: undefined, readOnlyRootFilesystem: true, finishedJobTtlSeconds: 86400, podWatchTimeoutSeconds: 300 });
  });

  test('pool names as Prefect accepts them; jobs may keep a writable root filesystem on request', () => {
    for (const workPool of ['k8s', 'k8s-runs_2.x', 'A'.repeat(100)]) expect(resolveWorker({ workPool }, CTX)!.workPool).toBe(workPool);
    for (const workPool of ['-pool', 'A'.repeat(101), 'with space'])
      expectConfigError(() => resolveWorker({ workPool }, CTX), 'worker.workPool', /not a work pool name/);
    expect(resolveWorker({ jobs: { readOnlyRootFilesystem: false } }, CTX)!.jobs.readOnlyRootFilesystem).toBe(false);
  });
});
