import { MINIMAL, one, synth } from '../util';

describe('PrefectBackgroundServices', () => {
  const deployment = one(synth(), 'Deployment', 'prefect-background-services');
  const container = deployment.spec.template.spec.containers[0];

  test('exactly one replica, never two at once (task-run recorder, prefect #21716)', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    // There is no option to raise it.
    const d = one(synth({ ...MINIMAL, api: { replicas: 7 } }), 'Deployment', 'prefect-background-services');
    expect(d.spec.replicas).toBe(1);
  });

  test('runs the services and waits for migrations', () => {
    expect(container.args).toEqual(['prefect', 'server', 'services', 'start']);
    expect(container.ports).toBeUndefined();
    expect(deployment.spec.template.spec.initContainers[0].name).toBe('wait-for-migrations');
  });

  test('liveness and startup probes run the process check script', () => {
    const command = ['python', '/opt/prefect-stack/services-alive.py'];
    expect(container.livenessProbe.exec.command).toEqual(command);
    expect(container.startupProbe.exec.command).toEqual(command);
  });

  test('selector does not overlap the API pods', () => {
    const api = one(synth(), 'Deployment', 'prefect-api');
    expect(deployment.spec.selector.matchLabels).not.toEqual(api.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });
});
