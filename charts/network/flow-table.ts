import { COMPONENT_LABEL, Flow, FlowPeer, FlowPort, Labels } from './flow';

/** How a peer is written in the flow table (the same words whether read from flows or from policies). */
export function describePeer(peer: FlowPeer): string {
  const labels = (l: Labels) =>
    Object.entries(l)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  switch (peer.kind) {
    case 'all':
      return 'every pod of the stack';
    case 'pods':
      return `\`${peer.podLabels![COMPONENT_LABEL]}\``;
    case 'namespace': {
      const ns = peer.namespaceLabels ?? {};
      const nsText =
        Object.keys(ns).length === 1 && ns['kubernetes.io/metadata.name']
          ? `namespace \`${ns['kubernetes.io/metadata.name']}\``
          : `namespaces \`${labels(ns)}\``;
      return peer.podLabels && Object.keys(peer.podLabels).length ? `${nsText}, pods \`${labels(peer.podLabels)}\`` : nsText;
    }
    case 'cidr':
      return `${(peer.cidrs ?? []).join(', ')}${peer.except?.length ? ` except ${peer.except.join(', ')}` : ''}`;
  }
}

/** A row of the flow table: from, to and ports as text. */
export interface FlowRow {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
  readonly why?: string;
}

/** Sorts ports and writes them as `5432/TCP, 53/UDP`. */
export function describePorts(ports: FlowPort[]): string {
  const unique = [...new Set(ports.map((p) => `${p.port}/${p.protocol}`))];
  return unique.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b)).join(', ');
}

/** The flow table's rows, one per (from, to), sorted. */
export function flowRows(flows: Flow[]): FlowRow[] {
  const rows = new Map<string, { from: string; to: string; ports: FlowPort[]; why: string[] }>();
  for (const f of flows) {
    const from = describePeer(f.from);
    const to = describePeer(f.to);
    const key = `${from}\u0000${to}`;
    const row = rows.get(key) ?? { from, to, ports: [], why: [] };
    row.ports.push(...f.ports);
    if (!row.why.includes(f.why)) row.why.push(f.why);
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((r) => ({ from: r.from, to: r.to, ports: describePorts(r.ports), why: r.why.join('; ') }))
    .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}

/** The flow table of docs/architecture.md (markdown), generated from the flows. */
export function renderFlowTable(flows: Flow[]): string {
  const lines = ['| From | To | Port | Why |', '| --- | --- | --- | --- |'];
  for (const r of flowRows(flows)) lines.push(`| ${r.from} | ${r.to} | ${r.ports} | ${r.why} |`);
  return lines.join('\n');
}
