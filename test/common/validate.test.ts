import { checkCidr, checkHostname, checkImageTag, checkQuantity, checkRelease, checkTimeZone, quantityValue } from '../../charts';
import { expectConfigErrorAt } from '../util';

describe('validation helpers', () => {
  test('quantities: Kubernetes forms pass, decimal units get a suggestion', () => {
    for (const q of ['512Mi', '10Gi', '250m', '2', '1.5', '1e3', '100k', '.5Gi', '1.', '+2', '0', '-0']) expect(checkQuantity('f', q)).toBe(q);
    expectConfigErrorAt(() => checkQuantity('x.size', '10GB'), 'x.size', /did you mean "10Gi"/);
    expectConfigErrorAt(() => checkQuantity('x.size', 'ten'), 'x.size', /512Mi, 10Gi/);
    // The API server's grammar: one decimal point, a known suffix; and no size or resource is negative.
    for (const q of ['1.2.3Gi', '1Gib', '1 Gi', '1e', 'Gi', '1.5.5', '']) expectConfigErrorAt(() => checkQuantity('x.size', q), 'x.size', /512Mi, 10Gi/);
    for (const q of ['-1Gi', '-250m']) expectConfigErrorAt(() => checkQuantity('x.size', q), 'x.size', /at least 0/);
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('250m')).toBeCloseTo(0.25);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('640Mi')).toBeLessThan(quantityValue('1Gi'));
  });

  test('time zones: names of the IANA database, not offsets or Local', () => {
    for (const z of ['Etc/UTC', 'UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'US/Pacific']) expect(checkTimeZone('z', z)).toBe(z);
    for (const z of ['Mars/Olympus', 'Local', '+01:00', 'UTC+1', 'Europe/', 'europe berlin', ''])
      expectConfigErrorAt(() => checkTimeZone('backups.timeZone', z), 'backups.timeZone', /Etc\/UTC/);
  });

  test('CIDRs: v4 and v6 with a prefix length', () => {
    for (const c of ['10.0.0.0/8', '203.0.113.7/32', '2001:db8::/32']) expect(checkCidr('c', c)).toBe(c);
    for (const c of ['10.0.0.0', '10.0.0.256/8', '10.0.0.0/33', 'db.example.com'])
      expectConfigErrorAt(() => checkCidr('allow[0]', c), 'allow[0]', /prefix length/);
  });

  test('host names, releases and image tags', () => {
    expect(checkHostname('h', 'prefect.example.com')).toBe('prefect.example.com');
    expect(checkHostname('h', '*.example.com', true)).toBe('*.example.com');
    for (const h of ['localhost', 'Prefect.example.com', 'a_b.example.com', 'https://x.example.com', '*.example.com'])
      expectConfigErrorAt(() => checkHostname('edge.host', h), 'edge.host', /fully qualified/);
    expect(checkRelease('v', '3.9.1')).toBe('3.9.1');
    for (const v of ['latest', '3', '3.9', '3.9.1-python3.12'])
      expectConfigErrorAt(() => checkRelease('prefect.version', v), 'prefect.version', /pin an exact version/);
    expect(checkImageTag('t', 'v0.18.1')).toBe('v0.18.1');
    expectConfigErrorAt(() => checkImageTag('images.x', 'latest'), 'images.x', /pin an exact tag/);
  });
});
