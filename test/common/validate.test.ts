import { checkCidr, checkCron, checkHostname, checkImageTag, checkQuantity, checkRelease, checkTimeZone, quantityValue } from '../../charts';

const rejects = (fn: () => unknown, field: string, fix: RegExp) => {
  expect(fn).toThrow(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: .*; `));
  expect(fn).toThrow(fix);
};

describe('validation helpers', () => {
  test('quantities: Kubernetes forms pass, decimal units get a suggestion', () => {
    for (const q of ['512Mi', '10Gi', '250m', '2', '1.5', '1e3', '100k', '.5Gi', '1.', '+2', '0', '-0']) expect(checkQuantity('f', q)).toBe(q);
    rejects(() => checkQuantity('x.size', '10GB'), 'x.size', /did you mean "10Gi"/);
    rejects(() => checkQuantity('x.size', 'ten'), 'x.size', /512Mi, 10Gi/);
    // The API server's grammar: one decimal point, a known suffix; and no size or resource is negative.
    for (const q of ['1.2.3Gi', '1Gib', '1 Gi', '1e', 'Gi', '1.5.5', '']) rejects(() => checkQuantity('x.size', q), 'x.size', /512Mi, 10Gi/);
    for (const q of ['-1Gi', '-250m']) rejects(() => checkQuantity('x.size', q), 'x.size', /at least 0/);
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('250m')).toBeCloseTo(0.25);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('640Mi')).toBeLessThan(quantityValue('1Gi'));
  });

  test('cron: what the API server accepts (robfig/cron v3 ParseStandard), no more, no less', () => {
    for (const c of [
      '15 2 * * *',
      '*/5 * * * *',
      '0 0 1,15 * 1-5',
      '@daily',
      '0 2 * * MON',
      '0 2 1 JAN *',
      '0 2 ? * *',
      '0 2 * * mon-fri',
      '0 0 31 2 *',
      '5/10 * * * *',
      '@every 1h30m',
      '@every 90s',
      '0 0 * * 0',
      '0 0 1,,2 * *',
      '+5 * * * *',
    ])
      expect(checkCron('s', c)).toBe(c);
    for (const c of [
      '15 2 * *',
      '60 * * * *',
      '* 24 * * *',
      '*/0 * * * *',
      'every day',
      '0 5-1 * * *',
      '0 2 * * 7',
      '0 2 L * *',
      '0 2 * * 1#2',
      '0 0 0 * *',
      '* * * * * *',
      '0 2 * * MON-',
      'CRON_TZ=UTC 0 2 * * *',
      '@every day',
      '@weekday',
      ' @daily',
      '0 0 1-2-3 * *',
      '0 0 1/2/3 * *',
      'JAN * * * *',
    ]) {
      rejects(() => checkCron('backups.schedule', c), 'backups.schedule', /five fields/);
    }
  });

  test('time zones: names of the IANA database, not offsets or Local', () => {
    for (const z of ['Etc/UTC', 'UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'US/Pacific']) expect(checkTimeZone('z', z)).toBe(z);
    for (const z of ['Mars/Olympus', 'Local', '+01:00', 'UTC+1', 'Europe/', 'europe berlin', ''])
      rejects(() => checkTimeZone('backups.timeZone', z), 'backups.timeZone', /Etc\/UTC/);
  });

  test('CIDRs: v4 and v6 with a prefix length', () => {
    for (const c of ['10.0.0.0/8', '203.0.113.7/32', '2001:db8::/32']) expect(checkCidr('c', c)).toBe(c);
    for (const c of ['10.0.0.0', '10.0.0.256/8', '10.0.0.0/33', 'db.example.com']) rejects(() => checkCidr('allow[0]', c), 'allow[0]', /prefix length/);
  });

  test('host names, releases and image tags', () => {
    expect(checkHostname('h', 'prefect.example.com')).toBe('prefect.example.com');
    expect(checkHostname('h', '*.example.com', true)).toBe('*.example.com');
    for (const h of ['localhost', 'Prefect.example.com', 'a_b.example.com', 'https://x.example.com', '*.example.com'])
      rejects(() => checkHostname('edge.host', h), 'edge.host', /fully qualified/);
    expect(checkRelease('v', '3.9.1')).toBe('3.9.1');
    for (const v of ['latest', '3', '3.9', '3.9.1-python3.12']) rejects(() => checkRelease('prefect.version', v), 'prefect.version', /pin an exact version/);
    expect(checkImageTag('t', 'v0.18.1')).toBe('v0.18.1');
    rejects(() => checkImageTag('images.x', 'latest'), 'images.x', /pin an exact tag/);
  });
});
