import { resolveResources } from '../../charts/common/resources';
import { expectConfigError } from '../util';

/** The quantities as they are written into the manifests. */
const plain = (q: Record<string, { value: string | number }>) => Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v.value)]));

const DEFAULTS = { requests: { cpu: '250m', memory: '512Mi', ephemeralStorage: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } };

describe('resolveResources', () => {
  test('the defaults, as Kubernetes quantities', () => {
    const r = resolveResources('api.resources', undefined, DEFAULTS);
    expect(plain(r.requests as never)).toEqual({ 'cpu': '250m', 'memory': '512Mi', 'ephemeral-storage': '256Mi' });
    expect(plain(r.limits as never)).toEqual({ cpu: '1', memory: '1Gi' });
  });
  test('a default request above a limit the user lowered follows the limit (found by the config-space generator)', () => {
    const r = resolveResources('worker.jobs.resources', { limits: { memory: '256Mi', ephemeralStorage: '64Mi' } }, DEFAULTS);
    expect(plain(r.requests as never)).toEqual({ 'cpu': '250m', 'memory': '256Mi', 'ephemeral-storage': '64Mi' });
  });
  test('a request the user wrote above the limit is refused, naming it', () => {
    expectConfigError(
      () => resolveResources('api.resources', { requests: { memory: '2Gi' } }, DEFAULTS),
      'api.resources.requests.memory',
      /above the limit 1Gi/,
    );
    expectConfigError(
      () => resolveResources('api.resources', { requests: { cpu: '2' }, limits: { cpu: '1' } }, DEFAULTS),
      'api.resources.requests.cpu',
      /above the limit 1/,
    );
  });
  test('a bad limit is named before any comparison', () => {
    expectConfigError(
      () => resolveResources('api.resources', { limits: { memory: '1.2.3Gi' } }, DEFAULTS),
      'api.resources.limits.memory',
      /not a Kubernetes quantity/,
    );
  });
});
