import { Testing } from 'cdk8s';
import { PrefectStack, checkRestrictedPodSpec, flowRows } from '../../charts';
import { MINIMAL, Obj, envMap, expectConfigError, one, synth } from '../util';

const AUTH = { name: 'prefect-auth', key: 'auth-string' };
const worker = (objs: Obj[]) => one(objs, 'Deployment', 'prefect-worker');
const template = (objs: Obj[]) => JSON.parse(one(objs, 'ConfigMap', 'prefect-worker').data['base-job-template.json']);
const jobPodSpec = (objs: Obj[]) => template(objs).job_configuration.job_manifest.spec.template.spec;

describe('PrefectWorker', () => {
  test('on by default: `prefect worker start --type kubernetes` from the -kubernetes image of the same release', () => {
    const objs = synth();
    const c = worker(objs).spec.template.spec.containers[0];
    expect(c.image).toBe('docker.io/prefecthq/prefect:3.9.1-python3.12-kubernetes');
    expect(c.args.slice(0, 7)).toEqual(['prefect', 'worker', 'start', '--type', 'kubernetes', '--pool', 'kubernetes']);
    expect(c.args).toEqual(expect.arrayContaining(['--with-healthcheck', '--no-create-pool-if-not-found']));
    expect(c.args.join(' ')).toContain('--install-policy never');
    // The server image follows the same release.
    expect(one(objs, 'Deployment', 'prefect-api').spec.template.spec.containers[0].image).toBe('docker.io/prefecthq/prefect:3.9.1-python3.12');
    const bumped = worker(synth({ ...MINIMAL, prefect: { version: '3.9.2' } })).spec.template.spec.containers[0];
    expect(bumped.image).toBe('docker.io/prefecthq/prefect:3.9.2-python3.12-kubernetes');
    expect(synth({ ...MINIMAL, worker: { enabled: false } }).filter((o) => o.metadata.name === 'prefect-worker')).toEqual([]);
  });

  test('probes on /health (the healthcheck server that fails when polling stops), PSS restricted', () => {
    const spec = worker(synth()).spec.template.spec;
    const c = spec.containers[0];
    expect(envMap(c)).toMatchObject({ PREFECT_WORKER_WEBSERVER_HOST: '0.0.0.0', PREFECT_WORKER_WEBSERVER_PORT: '8080' });
    expect(c.ports).toEqual([{ name: 'health', containerPort: 8080, protocol: 'TCP' }]);
    for (const probe of [c.livenessProbe, c.startupProbe, c.readinessProbe]) expect(probe.httpGet).toEqual({ path: '/health', port: 'health' });
    expect(() => checkRestrictedPodSpec('worker pod', spec)).not.toThrow();
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(spec.enableServiceLinks).toBe(false);
  });

  test('the worker reaches the API through the in-cluster Service, with no server secret in its env', () => {
    const env = envMap(worker(synth()).spec.template.spec.containers[0]);
    expect(env.PREFECT_API_URL).toBe('http://prefect-api.prefect.svc:4200/api');
    expect(env.PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES).toBe('prefect');
    // Every PREFECT_* setting of the worker goes to the flow runs: no database or Redis settings at all.
    expect(Object.keys(env).filter((k) => /DATABASE|REDIS|DOCKET|SERVER_API_AUTH/.test(k))).toEqual([]);
    expect(env.PREFECT_API_AUTH_STRING).toBeUndefined();
  });

  test('basic auth: the worker reads the Secret, and prefect-kubernetes puts a secretKeyRef (never the value) in Jobs', () => {
    const objs = synth({ ...MINIMAL, prefect: { authSecret: AUTH } });
    const spec = worker(objs).spec.template.spec;
    for (const c of [spec.initContainers[0], spec.containers[0]]) {
      const env = envMap(c);
      expect(env.PREFECT_API_AUTH_STRING).toBe('secret:prefect-auth/auth-string');
      expect(env.PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_NAME).toBe('prefect-auth');
      expect(env.PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_AUTH_STRING_SECRET_KEY).toBe('auth-string');
    }
    expect(JSON.stringify(template(objs))).not.toContain('AUTH_STRING');
  });

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

  test('several workers poll one pool: from two replicas, a PDB keeps all but one', () => {
    expect(synth(MINIMAL).filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'prefect-worker')).toHaveLength(0);
    const pdb = one(synth({ ...MINIMAL, worker: { replicas: 3 } }), 'PodDisruptionBudget', 'prefect-worker');
    expect(pdb.spec.minAvailable).toBe(2);
    expect(pdb.spec.selector.matchLabels).toEqual(one(synth(MINIMAL), 'Deployment', 'prefect-worker').spec.selector.matchLabels);
  });

  test('the job template: restricted, no token, own ServiceAccount, resources, image and namespace from Props', () => {
    const objs = synth({ ...MINIMAL, worker: { jobs: { image: 'registry.example.com/flows:1.2.3', resources: { limits: { memory: '2Gi' } } } } });
    const t = template(objs);
    const pod = jobPodSpec(objs);
    expect(() => checkRestrictedPodSpec('job', pod)).not.toThrow();
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.serviceAccountName).toBe('{{ service_account_name }}');
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    const v = t.variables.properties;
    expect(v.service_account_name.default).toBe('prefect-flow-run');
    expect(v.namespace.default).toBe('prefect');
    expect(v.image.default).toBe('registry.example.com/flows:1.2.3');
    expect([v.cpu_request.default, v.memory_request.default, v.cpu_limit.default, v.memory_limit.default]).toEqual(['100m', '256Mi', '1', '2Gi']);
    // Disk: the logs and the two 1Gi volumes (HOME and /tmp) fit the limit.
    expect([v.ephemeral_storage_request.default, v.ephemeral_storage_limit.default]).toEqual(['256Mi', '2112Mi']);
    expect(pod.containers[0].resources.limits).toEqual({
      'cpu': '{{ cpu_limit }}',
      'memory': '{{ memory_limit }}',
      'ephemeral-storage': '{{ ephemeral_storage_limit }}',
    });
    // Every placeholder of the job configuration is a declared variable (Prefect's server refuses others).
    const placeholders = [...JSON.stringify(t.job_configuration).matchAll(/\{\{ *([a-z_]+) *\}\}/g)].map((m) => m[1]);
    for (const p of new Set(placeholders)) expect([p, p in v]).toEqual([p, true]);
    // Flow-run pods carry the labels the NetworkPolicies select.
    expect(t.job_configuration.job_manifest.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'flow-run',
      'app.kubernetes.io/instance': 'prefect',
    });
    const sa = objs.filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'prefect-flow-run');
    expect(sa.map((o) => [o.metadata.namespace, o.automountServiceAccountToken])).toEqual([['prefect', false]]);
    // No Role is bound to the flow-run ServiceAccount.
    const bound = objs.filter((o) => o.kind === 'RoleBinding').flatMap((o) => o.subjects.map((s: any) => s.name));
    expect(bound).not.toContain('prefect-flow-run');
  });

  test('jobs in other namespaces: a namespaced Role there, nothing cluster-wide, the observer limited to them', () => {
    const objs = synth({ ...MINIMAL, worker: { jobNamespaces: ['flows', 'batch'] } });
    expect(objs.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    const roles = objs.filter((o) => o.kind === 'Role' && o.metadata.name === 'prefect-worker');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['flows', 'batch']);
    expect(roles[0].rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]);
    const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'prefect-worker');
    expect(bindings.map((b) => [b.metadata.namespace, b.subjects])).toEqual([
      ['flows', [{ kind: 'ServiceAccount', name: 'prefect-worker', namespace: 'prefect' }]],
      ['batch', [{ kind: 'ServiceAccount', name: 'prefect-worker', namespace: 'prefect' }]],
    ]);
    expect(envMap(worker(objs).spec.template.spec.containers[0]).PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES).toBe('flows,batch');
    expect(template(objs).variables.properties.namespace.default).toBe('flows');
    expect(objs.filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'prefect-flow-run').map((o) => o.metadata.namespace)).toEqual([
      'flows',
      'batch',
    ]);
  });

  test('network flows: worker → API and Kubernetes API, flow runs → API (and out on 443 in the stack namespace)', () => {
    const stack = new PrefectStack(Testing.app(), 'test', { ...MINIMAL, worker: { jobNamespaces: ['prefect', 'flows'], kubernetesApiCidrs: ['10.0.0.1/32'] } });
    const rows = flowRows(stack.flows).map((r) => `${r.from} | ${r.to} | ${r.ports}`);
    expect(rows).toEqual(
      expect.arrayContaining([
        '`worker` | `api` | 4200/TCP',
        '`worker` | 10.0.0.1/32 | 443/TCP, 6443/TCP',
        '`flow-run` | `api` | 4200/TCP',
        '`flow-run` | 0.0.0.0/0, ::/0 | 443/TCP',
        'namespace `flows`, pods `app.kubernetes.io/component=flow-run,app.kubernetes.io/instance=prefect` | `api` | 4200/TCP',
      ]),
    );
    // Nothing else reaches the worker.
    expect(rows.filter((r) => / \| `worker` \| /.test(r))).toEqual([]);
  });

  test('flow-run pods are selected without the labels prefect-kubernetes overwrites on them', () => {
    const objs = synth(MINIMAL);
    // The labels a flow-run pod really carries: prefect-kubernetes 0.8 (KubernetesWorkerJobConfiguration
    // _base_flow_run_labels / _base_deployment_labels) replaces name, part-of, managed-by and version.
    const pod = {
      ...template(objs).job_configuration.job_manifest.spec.template.metadata.labels,
      'app.kubernetes.io/name': 'my-deployment',
      'app.kubernetes.io/part-of': 'prefect',
      'app.kubernetes.io/managed-by': 'prefect',
      'app.kubernetes.io/version': '3.9.1',
    };
    const policies = objs.filter((o) => o.kind === 'NetworkPolicy');
    const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => pod[k] === v);
    expect(selects(policies.find((p) => p.metadata.name === 'prefect-allow-flow-run')!.spec.podSelector.matchLabels)).toBe(true);
    const apiFrom = policies.find((p) => p.metadata.name === 'prefect-allow-api')!.spec.ingress.flatMap((r: any) => r.from ?? []);
    expect(
      apiFrom.some(
        (f: any) =>
          !f.namespaceSelector &&
          f.podSelector &&
          f.podSelector.matchLabels['app.kubernetes.io/component'] === 'flow-run' &&
          selects(f.podSelector.matchLabels),
      ),
    ).toBe(true);
  });

  describe('bad input', () => {
    test('a job namespace that is not a DNS label', () => {
      expectConfigError(() => synth({ ...MINIMAL, worker: { jobNamespaces: ['Flows_NS'] } }), 'worker.jobNamespaces[0]', /not a DNS label/);
      expectConfigError(() => synth({ ...MINIMAL, worker: { jobNamespaces: [] } }), 'worker.jobNamespaces', /empty/);
      expectConfigError(() => synth({ ...MINIMAL, worker: { jobNamespaces: ['a', 'a'] } }), 'worker.jobNamespaces', /twice/);
    });

    test('a base job template with a privileged container (or any other restricted violation)', () => {
      const base = template(synth());
      const withContainer = (sc: object, pod: object = {}) => {
        const t = JSON.parse(JSON.stringify(base));
        const spec = t.job_configuration.job_manifest.spec.template.spec;
        Object.assign(spec, pod);
        spec.containers[0].securityContext = { ...spec.containers[0].securityContext, ...sc };
        return t;
      };
      const f = 'worker.baseJobTemplate.job_configuration.job_manifest.spec.template.spec';
      const bad = (t: object, field: string, re: RegExp) => expectConfigError(() => synth({ ...MINIMAL, worker: { baseJobTemplate: t } }), field, re);
      bad(withContainer({ privileged: true }), `${f}.containers[0].securityContext.privileged`, /privileged container/);
      bad(withContainer({ allowPrivilegeEscalation: '{{ escalate }}' }), `${f}.containers[0].securityContext.allowPrivilegeEscalation`, /not false/);
      bad(withContainer({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }), `${f}.containers[0].securityContext.capabilities.add`, /SYS_ADMIN/);
      bad(withContainer({ runAsUser: 0 }), `${f}.containers[0].securityContext.runAsUser`, /root/);
      bad(withContainer({}, { hostNetwork: true }), `${f}.hostNetwork`, /host namespaces/);
      bad(withContainer({}, { volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] }), `${f}.volumes[0].hostPath`, /forbids/);
      bad({ job_configuration: { command: '{{ command }}' } }, 'worker.baseJobTemplate.variables', /JSON schema/);
      bad(
        { job_configuration: { command: '{{ command }}' }, variables: base.variables },
        'worker.baseJobTemplate.job_configuration.job_manifest',
        /batch\/v1 Job/,
      );
      // The template as generated passes when given back explicitly.
      expect(() => synth({ ...MINIMAL, worker: { baseJobTemplate: base } })).not.toThrow();
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
  });
});
