import { execFileSync } from 'child_process';
import { ENSURE_WORK_POOL_PY } from '../../charts';
import { MINIMAL, Obj, envMap, one, synth, workerDeployment as worker } from '../util';
describe("ensure-work-pool.py, the worker's init container", () => {
  test('an init container creates or updates the work pool from the generated template', () => {
    const objs = synth({ ...MINIMAL, worker: { workPool: 'k8s-runs' } });
    const init = worker(objs).spec.template.spec.initContainers[0];
    expect(init.args).toEqual(['python', '/etc/prefect-worker/ensure-work-pool.py']);
    expect(envMap(init)).toMatchObject({
      WORK_POOL_NAME: 'k8s-runs',
      WORK_POOL_TYPE: 'kubernetes',
      WORK_POOL_TEMPLATE: '/etc/prefect-worker/base-job-template.json',
    });
    const cm = one(objs, 'ConfigMap', 'prefect-worker');
    expect(cm.data['ensure-work-pool.py']).toContain('update_work_pool');
    // A template change rolls the worker (the annotation is the template's hash).
    const hash = (o: Obj[]) => worker(o).spec.template.metadata.annotations['prefect-stack.io/base-job-template-sha256'];
    expect(hash(objs)).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(synth({ ...MINIMAL, worker: { jobs: { finishedJobTtlSeconds: 60 } } }))).not.toBe(hash(synth()));
  });

  test('is valid Python that the init container runs as a script', () => {
    // Compiled, not run: its behaviour against a real Prefect server is test/worker/work-pool.real.test.ts.
    execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read(), "ensure-work-pool.py")'], { input: ENSURE_WORK_POOL_PY });
    expect(ENSURE_WORK_POOL_PY).toMatch(/^if __name__ == "__main__":$/m);
  });

  test('the exit codes its header documents are the ones it uses (2: another type, 3: refused, 1: unreachable)', () => {
    for (const code of [1, 2, 3]) expect(ENSURE_WORK_POOL_PY).toContain(`sys.exit(${code})`);
    // A client error other than timeouts and rate limits is final; everything else is retried until the deadline.
    expect(ENSURE_WORK_POOL_PY).toContain('if 400 <= status < 500 and status not in (408, 429):');
  });
});
