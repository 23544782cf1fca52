import { MINIMAL, containers, envMap, one, synth } from '../util';

describe('PrefectApi', () => {
  const objs = synth();
  const deployment = one(objs, 'Deployment', 'prefect-api');
  const pod = deployment.spec.template;
  const api = pod.spec.containers.find((c: any) => c.name === 'api');

  test('runs the API without services on port 4200, 3 replicas by default', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(api.args).toEqual(['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', '4200', '--no-services']);
    expect(api.ports).toEqual([{ name: 'http', containerPort: 4200, protocol: 'TCP' }]);
    expect(api.image).toBe('docker.io/prefecthq/prefect:3.9.1-python3.12');
  });

  test('readiness checks the database, liveness does not, startup allows a slow first start', () => {
    expect(api.readinessProbe.httpGet).toEqual({ path: '/api/ready', port: 'http' });
    expect(api.livenessProbe.httpGet).toEqual({ path: '/api/health', port: 'http' });
    expect(api.startupProbe.httpGet.path).toBe('/api/health');
    expect(api.startupProbe.periodSeconds * api.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    expect(api.lifecycle.preStop.sleep.seconds).toBeLessThan(pod.spec.terminationGracePeriodSeconds);
  });

  test('waits for migrations before the server starts', () => {
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['wait-for-migrations']);
    expect(pod.spec.initContainers[0].args).toEqual(['python', '/opt/prefect-stack/migrations-applied.py', '--wait', '1800']);
  });

  test('selector matches the template and the Service', () => {
    const selector = deployment.spec.selector.matchLabels;
    expect(Object.keys(selector).length).toBeGreaterThanOrEqual(3);
    expect(pod.metadata.labels).toMatchObject(selector);
    const service = one(objs, 'Service', 'prefect-api');
    expect(service.spec.selector).toEqual(selector);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 4200, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
    // The version label changes on upgrade; it must never be part of the immutable selector.
    expect(selector['app.kubernetes.io/version']).toBeUndefined();
  });

  test('rolls out without losing capacity and spreads over nodes', () => {
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const keys = pod.spec.topologySpreadConstraints.map((t: any) => t.topologyKey);
    expect(keys).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(pod.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('ScheduleAnyway');
    const required = one(synth({ ...MINIMAL, api: { spread: 'required' } }), 'Deployment', 'prefect-api');
    expect(required.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('DoNotSchedule');
  });

  test.each([
    ['3 replicas', { replicas: 3 }, 3, 2],
    ['an autoscaler from 2', { autoscaling: { minReplicas: 2, maxReplicas: 6 } }, 2, 1],
  ])('hard spread (%s): each rollout generation on distinct nodes, the PDB allows one disruption', (_n, api, minDomains, minAvailable) => {
    const objs = synth({ ...MINIMAL, api: { ...api, spread: 'required', zoneSpread: 'required' } });
    const [host, zone] = one(objs, 'Deployment', 'prefect-api').spec.template.spec.topologySpreadConstraints;
    // minDomains = the fewest replicas: with fewer eligible nodes the global minimum counts as 0, so no node takes a
    // second replica of the same generation (pod-template-hash); a surge pod is its own generation and fits.
    expect(host).toEqual({
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'DoNotSchedule',
      minDomains,
      labelSelector: { matchLabels: deployment.spec.selector.matchLabels },
      matchLabelKeys: ['pod-template-hash'],
    });
    expect(zone).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' });
    expect(zone.minDomains).toBeUndefined();
    expect(one(objs, 'PodDisruptionBudget', 'prefect-api').spec.minAvailable).toBe(minAvailable);
  });

  test.each([
    [2, 1],
    [3, 2],
    [5, 4],
  ])('PDB keeps all but one of %i replicas', (replicas, minAvailable) => {
    const pdb = one(synth({ ...MINIMAL, api: { replicas } }), 'PodDisruptionBudget', 'prefect-api');
    expect(pdb.spec.minAvailable).toBe(minAvailable);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('no PDB on a single replica (it would block every drain)', () => {
    expect(synth({ ...MINIMAL, api: { replicas: 1 } }).filter((o) => o.kind === 'PodDisruptionBudget')).toHaveLength(0);
  });

  test('an autoscaler owns the replica count and sets the PDB floor', () => {
    const objs2 = synth({ ...MINIMAL, api: { autoscaling: { minReplicas: 3, maxReplicas: 8 } } });
    const hpa = one(objs2, 'HorizontalPodAutoscaler', 'prefect-api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 8, scaleTargetRef: { kind: 'Deployment', name: 'prefect-api' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
    expect(one(objs2, 'Deployment', 'prefect-api').spec.replicas).toBeUndefined();
    expect(one(objs2, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
  });

  test('resources: defaults, and user values merged over them', () => {
    // The disk limit: 64Mi of logs + the emptyDirs the API mounts (home 256Mi, tmp 512Mi, ui-static 256Mi).
    expect(api.resources).toEqual({
      requests: { 'cpu': '250m', 'memory': '320Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '1', 'memory': '640Mi', 'ephemeral-storage': '1088Mi' },
    });
    const d = one(synth({ ...MINIMAL, api: { resources: { limits: { memory: '2Gi', ephemeralStorage: '2Gi' } } } }), 'Deployment', 'prefect-api');
    expect(d.spec.template.spec.containers[0].resources.limits).toEqual({ 'cpu': '1', 'memory': '2Gi', 'ephemeral-storage': '2Gi' });
    expect(d.spec.template.spec.containers[0].resources.requests).toEqual({ 'cpu': '250m', 'memory': '320Mi', 'ephemeral-storage': '64Mi' });
  });

  test('the UI is served from a writable directory, and only by the API', () => {
    expect(envMap(api).PREFECT_SERVER_UI_STATIC_DIRECTORY).toBe('/var/lib/prefect/ui');
    expect(api.volumeMounts).toContainEqual({ name: 'ui-static', mountPath: '/var/lib/prefect/ui' });
    const services = one(objs, 'Deployment', 'prefect-background-services').spec.template.spec.containers[0];
    expect(envMap(services).PREFECT_SERVER_UI_API_URL).toBeUndefined();
    for (const c of containers(pod)) expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });
});
