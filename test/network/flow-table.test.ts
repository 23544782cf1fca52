import { Flow, cidrPeer, describePeer, describePorts, flowRows, namespaceNamed, namespacePeer, podsPeer, renderFlowTable } from '../../charts';

const api = podsPeer({ 'app.kubernetes.io/component': 'api' });
const postgres = podsPeer({ 'app.kubernetes.io/component': 'postgres' });
const tcp = (port: number) => ({ port, protocol: 'TCP' as const });

describe('describePeer', () => {
  test('every kind of peer in words', () => {
    expect(describePeer({ kind: 'all' })).toBe('every pod of the stack');
    expect(describePeer(api)).toBe('`api`');
    expect(describePeer(namespacePeer({ namespaceLabels: namespaceNamed('monitoring') }))).toBe('namespace `monitoring`');
    // Several namespace labels, or pods in them: the labels, sorted by key.
    expect(describePeer(namespacePeer({ namespaceLabels: { team: 'edge', env: 'prod' } }))).toBe('namespaces `env=prod,team=edge`');
    expect(describePeer(namespacePeer({ namespaceLabels: namespaceNamed('kube-system'), podLabels: { 'k8s-app': 'kube-dns' } }))).toBe(
      'namespace `kube-system`, pods `k8s-app=kube-dns`',
    );
    expect(describePeer(namespacePeer({ namespaceLabels: namespaceNamed('x'), podLabels: {} }))).toBe('namespace `x`');
    expect(describePeer(cidrPeer(['0.0.0.0/0', '::/0']))).toBe('0.0.0.0/0, ::/0');
    expect(describePeer(cidrPeer(['0.0.0.0/0'], ['10.0.0.0/8', '172.16.0.0/12']))).toBe('0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12');
  });
});

describe('describePorts', () => {
  test('numerically sorted, each port/protocol once', () => {
    expect(describePorts([tcp(5432), { port: 53, protocol: 'UDP' }, tcp(53), tcp(443), tcp(5432)])).toBe('53/TCP, 53/UDP, 443/TCP, 5432/TCP');
    expect(describePorts([])).toBe('');
  });
});

describe('flowRows and renderFlowTable', () => {
  const flows: Flow[] = [
    { from: api, to: postgres, ports: [tcp(5432)], why: 'Prefect state' },
    { from: { kind: 'all' }, to: cidrPeer(['0.0.0.0/0']), ports: [tcp(443)], why: 'out' },
    { from: api, to: postgres, ports: [tcp(5432), tcp(9187)], why: 'Prefect state' },
    { from: api, to: postgres, ports: [tcp(6432)], why: 'pooler' },
  ];

  test('one row per (from, to): ports merged, reasons kept once each in order, rows sorted', () => {
    expect(flowRows(flows)).toEqual([
      { from: '`api`', to: '`postgres`', ports: '5432/TCP, 6432/TCP, 9187/TCP', why: 'Prefect state; pooler' },
      { from: 'every pod of the stack', to: '0.0.0.0/0', ports: '443/TCP', why: 'out' },
    ]);
  });

  test('a markdown table with a header and one line per row', () => {
    expect(renderFlowTable(flows).split('\n')).toEqual([
      '| From | To | Port | Why |',
      '| --- | --- | --- | --- |',
      '| `api` | `postgres` | 5432/TCP, 6432/TCP, 9187/TCP | Prefect state; pooler |',
      '| every pod of the stack | 0.0.0.0/0 | 443/TCP | out |',
    ]);
    expect(renderFlowTable([])).toBe('| From | To | Port | Why |\n| --- | --- | --- | --- |');
  });
});
