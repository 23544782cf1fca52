import { MAX_INSTANCE_LENGTH, NAME_LIMITS } from '../../charts';
import { KNOBS } from '../matrix';
import { MINIMAL, expectConfigError, podTemplates, synth } from '../util';

/** Names the controllers derive from an object's name, with the limit Kubernetes puts on each. */
function derivedNames(o: any): Array<[string, string, number]> {
  const n = o.metadata.name;
  switch (o.kind) {
    // controller-revision-hash: <name>-<hash of up to 10> is a label value; pods <name>-<ordinal> are hostnames.
    case 'StatefulSet':
      return [
        ['controller-revision-hash label', `${n}-${'x'.repeat(10)}`, 63],
        ['pod hostname', `${n}-0`, 63],
      ];
    // Jobs of a CronJob are <name>-<minutes since the epoch, 8 digits>, and job-name is a label value.
    case 'CronJob':
      return [['Job name (job-name label)', `${n}-${'9'.repeat(8)}`, 63]];
    case 'Job':
      return [['job-name label', n, 63]];
    // ReplicaSets <name>-<hash of 10>, pods <rs>-<5>: DNS subdomains.
    case 'Deployment':
      return [['pod name', `${n}-${'x'.repeat(10)}-${'x'.repeat(5)}`, 253]];
    default:
      return [];
  }
}

describe('object names fit their kind, for every allowed name', () => {
  const longest = 'p'.repeat(MAX_INSTANCE_LENGTH);
  test.each([
    ['the default stack', {}],
    ['every component', KNOBS],
  ])(`%s, with a name of ${MAX_INSTANCE_LENGTH} characters`, (_n, props) => {
    const objs = synth({ ...props, name: longest });
    expect(objs.length).toBeGreaterThan(30);
    for (const o of objs) {
      const limit = NAME_LIMITS[o.kind] ?? 253;
      expect([o.kind, o.metadata.name, o.metadata.name.length <= limit]).toEqual([o.kind, o.metadata.name, true]);
      for (const [what, name, max] of derivedNames(o)) expect([o.kind, what, name, name.length <= max]).toEqual([o.kind, what, name, true]);
    }
    // Every label value (pod templates included) is a valid label value.
    const labelSets = [...objs.map((o) => o.metadata.labels ?? {}), ...podTemplates(objs).map((p) => p.template.metadata.labels ?? {})];
    for (const labels of labelSets) for (const v of Object.values(labels)) expect(String(v)).toMatch(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/);
  });

  test('one character more is refused with the limit in the message', () => {
    expectConfigError(() => synth({ ...MINIMAL, name: 'p'.repeat(MAX_INSTANCE_LENGTH + 1) }), 'name', new RegExp(`at most ${MAX_INSTANCE_LENGTH}`));
  });

  test('a name that starts with a digit would make invalid Service names', () => {
    expectConfigError(() => synth({ ...MINIMAL, name: '1prefect' }), 'name', /start name with a letter/);
  });
});
