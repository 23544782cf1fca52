/**
 * What the worker would submit: prefect-kubernetes 0.8.0 (the package of Prefect's `-kubernetes` image, pinned in
 * test/worker/prefect-kubernetes.lock) renders the synthesized base job template for a flow run, with the worker
 * container's synthesized environment. The resulting Job must pass Pod Security Standards `restricted`, reach the
 * API through the in-cluster Service, and carry the API auth string only as a secretKeyRef.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PrefectStackProps, checkRestrictedPodSpec } from '../../charts';
import { MINIMAL, one, synth } from '../util';

const AUTH_VALUE = 'admin:do-not-leak-9f3c';

/** The branch of KubernetesWorker._create_job that handles the auth string, driven by the worker's settings. */
const RENDER_PY = `import asyncio, json, sys, uuid
from prefect.client.schemas.objects import FlowRun
from prefect_kubernetes.settings import KubernetesSettings
from prefect_kubernetes.worker import KubernetesWorker, KubernetesWorkerJobConfiguration

template = json.load(open(sys.argv[1]))
values = json.loads(sys.argv[2])

async def main():
    config = await KubernetesWorkerJobConfiguration.from_template_and_values(template, values)
    flow_run = FlowRun(id=uuid.uuid4(), name="brave-otter", flow_id=uuid.uuid4())
    config.prepare_for_flow_run(flow_run)
    settings = KubernetesSettings()
    worker = KubernetesWorker(work_pool_name="kubernetes")
    # As _create_job does before it calls the Kubernetes API.
    if settings.worker.api_auth_string_secret_name and settings.worker.api_auth_string_secret_key:
        await worker._replace_env_variable_with_secret(
            env_variable_name="PREFECT_API_AUTH_STRING",
            configuration=config,
            secret_name=settings.worker.api_auth_string_secret_name,
            secret_key=settings.worker.api_auth_string_secret_key,
        )
    print(json.dumps(config.job_manifest))

asyncio.run(main())
`;

let venv: string;
let dir: string;

beforeAll(() => {
  venv = execFileSync('bash', [path.join(__dirname, 'prefect-venv.sh'), 'kubernetes'], {
    encoding: 'utf8',
    timeout: 900_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'job-manifest-'));
}, 900_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Renders the Job for one flow run as the synthesized worker would (its env, Secret values substituted). */
function render(props: PrefectStackProps, values: object = {}): any {
  const objs = synth(props);
  const templatePath = path.join(dir, 'template.json');
  fs.writeFileSync(templatePath, one(objs, 'ConfigMap', 'prefect-worker').data['base-job-template.json']);
  const worker = one(objs, 'Deployment', 'prefect-worker').spec.template.spec.containers[0];
  const env: Record<string, string> = { PATH: `${venv}/bin:/usr/bin:/bin`, LANG: 'C.UTF-8' };
  for (const e of worker.env) env[e.name] = e.valueFrom?.secretKeyRef ? AUTH_VALUE : e.value;
  env.HOME = dir;
  env.PREFECT_HOME = path.join(dir, '.prefect');
  const script = path.join(dir, 'render.py');
  fs.writeFileSync(script, RENDER_PY);
  const out = execFileSync(`${venv}/bin/python`, [script, templatePath, JSON.stringify(values)], { env, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const byName = (env: any[]) => Object.fromEntries(env.map((e) => [e.name, e]));

describe('the Job prefect-kubernetes renders from the generated template', () => {
  test('restricted, no token, own ServiceAccount, labels the NetworkPolicies select, API via the Service', () => {
    const job = render(MINIMAL);
    const pod = job.spec.template.spec;
    expect(() => checkRestrictedPodSpec('rendered Job', pod)).not.toThrow();
    expect(job.metadata.namespace).toBe('prefect');
    expect(job.metadata.generateName).toBe('brave-otter-');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.ttlSecondsAfterFinished).toBe(86400);
    expect(pod.serviceAccountName).toBe('prefect-flow-run');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(job.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'flow-run',
      'app.kubernetes.io/instance': 'prefect',
      'app.kubernetes.io/name': 'prefect',
    });
    expect(Object.keys(job.spec.template.metadata.labels)).toContain('prefect.io/flow-run-id');
    const c = pod.containers[0];
    expect(c.image).toBe('docker.io/prefecthq/prefect:3.9.1-python3.12');
    expect(c.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '256Mi', 'ephemeral-storage': '256Mi' },
      limits: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '2112Mi' },
    });
    const env = byName(c.env);
    expect(env.PREFECT_API_URL.value).toBe('http://prefect-api.prefect.svc:4200/api');
    expect(env.HOME.value).toBe('/home/prefect');
    expect(env.PREFECT__FLOW_RUN_ID.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.PREFECT_API_AUTH_STRING).toBeUndefined();
  }, 300_000);

  test('basic auth: the flow-run pod gets a secretKeyRef; the auth string appears nowhere in the Job', () => {
    const job = render({ ...MINIMAL, prefect: { authSecret: { name: 'prefect-auth', key: 'auth-string' } } });
    expect(JSON.stringify(job)).not.toContain(AUTH_VALUE);
    const env = byName(job.spec.template.spec.containers[0].env);
    expect(env.PREFECT_API_AUTH_STRING).toEqual({ name: 'PREFECT_API_AUTH_STRING', valueFrom: { secretKeyRef: { name: 'prefect-auth', key: 'auth-string' } } });
  }, 300_000);

  test("a deployment's job variables override image, namespace and resources, never the security context", () => {
    const job = render(
      { ...MINIMAL, worker: { jobNamespaces: ['prefect', 'flows'] } },
      { image: 'registry.example.com/etl:2.0.1', namespace: 'flows', memory_limit: '4Gi', env: { MODE: 'batch' } },
    );
    expect(job.metadata.namespace).toBe('flows');
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.example.com/etl:2.0.1');
    expect(c.resources.limits.memory).toBe('4Gi');
    expect(byName(c.env).MODE.value).toBe('batch');
    expect(byName(c.env).HOME.value).toBe('/home/prefect');
    expect(() => checkRestrictedPodSpec('rendered Job', job.spec.template.spec)).not.toThrow();
  }, 300_000);
});
