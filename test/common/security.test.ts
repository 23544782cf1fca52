import { checkRestrictedPodSpec, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../charts';

describe('security contexts', () => {
  test('a pod built from them passes Pod Security Standards "restricted" (the checker the worker uses on job templates)', () => {
    for (const id of [{ user: 999, group: 999 }, {}]) {
      const spec = {
        securityContext: restrictedPodSecurityContext(id),
        containers: [{ name: 'c', securityContext: restrictedContainerSecurityContext() }],
        initContainers: [{ name: 'i', securityContext: restrictedContainerSecurityContext({ netBindService: true }) }],
      };
      expect(() => checkRestrictedPodSpec('spec', spec)).not.toThrow();
    }
  });

  test('the pod names its user and group only when given (OpenShift assigns them), volumes owned by the group on mismatch only', () => {
    expect(restrictedPodSecurityContext({ user: 10001, group: 10001 })).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const platform = restrictedPodSecurityContext({});
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup', 'fsGroupChangePolicy']) expect(platform).not.toHaveProperty(k);
    expect(platform).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('containers drop every capability and add back only NET_BIND_SERVICE, and only when asked', () => {
    const c = restrictedContainerSecurityContext();
    expect(c).toMatchObject({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(c.capabilities).toEqual({ drop: ['ALL'] });
    expect(restrictedContainerSecurityContext({ netBindService: true }).capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
  });
});
