import { claimSpec } from '../../charts';
import { expectConfigError } from '../util';

describe('claimSpec', () => {
  test('a ReadWriteOnce claim of the default size in the default StorageClass', () => {
    const c = claimSpec('x.storage', undefined, '20Gi');
    expect(c.accessModes).toEqual(['ReadWriteOnce']);
    expect(c.resources!.requests!.storage.value).toBe('20Gi');
    // Unset, not "": an empty storageClassName would ask for a claim without any class (no dynamic provisioning).
    expect(c.storageClassName).toBeUndefined();
  });

  test('the given size and class replace the defaults', () => {
    const c = claimSpec('x.storage', { size: '100Gi', storageClassName: 'fast-ssd' }, '20Gi');
    expect(c.resources!.requests!.storage.value).toBe('100Gi');
    expect(c.storageClassName).toBe('fast-ssd');
    expect(claimSpec('x.storage', { size: '1Mi' }, '20Gi').resources!.requests!.storage.value).toBe('1Mi');
  });

  test('bad input names the key: not a quantity, below 1Mi (a unitless or milli size is a typo), a bad class name', () => {
    expectConfigError(() => claimSpec('x.storage', { size: '20GB' }, '1Gi'), 'x.storage.size', /20Gi/);
    for (const size of ['20', '500k', '1000m', '1023Ki']) expectConfigError(() => claimSpec('x.storage', { size }, '1Gi'), 'x.storage.size', /less than 1Mi/);
    expectConfigError(() => claimSpec('x.storage', { storageClassName: 'Fast SSD' }, '1Gi'), 'x.storage.storageClassName');
  });
});
