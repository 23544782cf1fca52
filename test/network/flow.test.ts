import { COMPONENT_LABEL, cidrPeer, namespaceNamed, namespacePeer, podsPeer } from '../../charts';

describe('flow peers', () => {
  test("the stack's own pods are named by their component label, which a peer must carry", () => {
    expect(podsPeer({ [COMPONENT_LABEL]: 'api', 'app.kubernetes.io/instance': 'prefect' })).toEqual({
      kind: 'pods',
      podLabels: { [COMPONENT_LABEL]: 'api', 'app.kubernetes.io/instance': 'prefect' },
    });
    expect(() => podsPeer({ 'app.kubernetes.io/name': 'prefect' })).toThrow(`lack ${COMPONENT_LABEL}`);
    expect(() => podsPeer({ [COMPONENT_LABEL]: '' })).toThrow(COMPONENT_LABEL);
  });

  test('a namespace is selected by the name label Kubernetes puts on every namespace', () => {
    expect(namespaceNamed('monitoring')).toEqual({ 'kubernetes.io/metadata.name': 'monitoring' });
    expect(namespacePeer({ namespaceLabels: namespaceNamed('monitoring') })).toEqual({
      kind: 'namespace',
      namespaceLabels: { 'kubernetes.io/metadata.name': 'monitoring' },
      podLabels: undefined,
    });
  });

  test('addresses carve nothing out by default', () => {
    expect(cidrPeer(['0.0.0.0/0'])).toEqual({ kind: 'cidr', cidrs: ['0.0.0.0/0'], except: [] });
    expect(cidrPeer(['0.0.0.0/0'], ['10.0.0.0/8']).except).toEqual(['10.0.0.0/8']);
  });
});
