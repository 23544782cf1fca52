import { GIB, gib, promRegexEscape, promSelector } from '../../charts';

describe('PromQL helpers', () => {
  test('selectors: equality by default, the given operator per label, values quoted as PromQL strings', () => {
    expect(promSelector({ namespace: 'prefect', job: 'prefect-api' })).toBe('{namespace="prefect",job="prefect-api"}');
    expect(promSelector({ namespace: 'prefect', relname: 'events|log' }, { relname: '=~' })).toBe('{namespace="prefect",relname=~"events|log"}');
    expect(promSelector({ status: '101' }, { status: '!=' })).toBe('{status!="101"}');
    expect(promSelector({ a: 'say "hi"\\' })).toBe('{a="say \\"hi\\"\\\\"}');
    expect(promSelector({})).toBe('{}');
  });

  test('regex escaping makes a literal match only itself', () => {
    const name = 'prefect.api+(v2)[x]*?^$|\\';
    const escaped = promRegexEscape(name);
    // PromQL regexes are RE2, fully anchored; a JavaScript regex agrees on these metacharacters.
    expect(new RegExp(`^${escaped}$`).test(name)).toBe(true);
    expect(new RegExp(`^${promRegexEscape('a.b')}$`).test('axb')).toBe(false);
    expect(promRegexEscape('prefect-api')).toBe('prefect-api');
  });

  test('sizes in GiB with at most one decimal', () => {
    expect(gib(20 * GIB)).toBe('20 GiB');
    expect(gib(1.5 * GIB)).toBe('1.5 GiB');
    expect(gib(16 * GIB * 1.04)).toBe('16.6 GiB');
    expect(gib(Math.floor(20 * GIB * 0.8))).toBe('16 GiB');
  });
});
