import { checkRestrictedPodSpec } from '../../charts';
import { MINIMAL, expectConfigError, synth, workPoolTemplate as template } from '../util';
describe('a hand-written job template is held to Pod Security Standards "restricted"', () => {
  test('a base job template with a privileged container (or any other restricted violation)', () => {
    const base = template(synth());
    const withContainer = (sc: object, pod: object = {}) => {
      const t = JSON.parse(JSON.stringify(base));
      const spec = t.job_configuration.job_manifest.spec.template.spec;
      Object.assign(spec, pod);
      spec.containers[0].securityContext = { ...spec.containers[0].securityContext, ...sc };
      return t;
    };
    const f = 'worker.baseJobTemplate.job_configuration.job_manifest.spec.template.spec';
    const bad = (t: object, field: string, re: RegExp) => expectConfigError(() => synth({ ...MINIMAL, worker: { baseJobTemplate: t } }), field, re);
    bad(withContainer({ privileged: true }), `${f}.containers[0].securityContext.privileged`, /privileged container/);
    bad(withContainer({ allowPrivilegeEscalation: '{{ escalate }}' }), `${f}.containers[0].securityContext.allowPrivilegeEscalation`, /not false/);
    bad(withContainer({ capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }), `${f}.containers[0].securityContext.capabilities.add`, /SYS_ADMIN/);
    bad(withContainer({ runAsUser: 0 }), `${f}.containers[0].securityContext.runAsUser`, /root/);
    bad(withContainer({}, { hostNetwork: true }), `${f}.hostNetwork`, /host namespaces/);
    bad(withContainer({}, { volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] }), `${f}.volumes[0].hostPath`, /forbids/);
    bad({ job_configuration: { command: '{{ command }}' } }, 'worker.baseJobTemplate.variables', /JSON schema/);
    bad(
      { job_configuration: { command: '{{ command }}' }, variables: base.variables },
      'worker.baseJobTemplate.job_configuration.job_manifest',
      /batch\/v1 Job/,
    );
    // The template as generated passes when given back explicitly.
    expect(() => synth({ ...MINIMAL, worker: { baseJobTemplate: base } })).not.toThrow();
  });
});

describe('checkRestrictedPodSpec, field by field as the admission controller', () => {
  const ok = () => ({
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'flow', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  });
  const check = (spec: any) => () => checkRestrictedPodSpec('spec', spec);

  test('runAsNonRoot and the seccomp profile may come from the pod or the container; Localhost seccomp and NET_BIND_SERVICE are allowed', () => {
    expect(check(ok())).not.toThrow();
    const inContainer = ok();
    inContainer.securityContext = {} as any;
    Object.assign(inContainer.containers[0].securityContext, { runAsNonRoot: true, seccompProfile: { type: 'Localhost' } });
    expect(check(inContainer)).not.toThrow();
    const bind = ok();
    (bind.containers[0].securityContext.capabilities as any).add = ['NET_BIND_SERVICE'];
    expect(check(bind)).not.toThrow();
    expect(
      check({
        ...ok(),
        hostNetwork: false,
        volumes: [
          { name: 'v', emptyDir: {} },
          { name: 'p', persistentVolumeClaim: { claimName: 'c' } },
        ],
      }),
    ).not.toThrow();
  });

  test('each violation names its field', () => {
    const c = 'spec.containers[0].securityContext';
    const tweak = (change: (s: any) => void) => {
      const s: any = ok();
      change(s);
      return check(s);
    };
    expectConfigError(check(null), 'spec', /not a pod spec/);
    expectConfigError(check({ ...ok(), containers: [] }), 'spec.containers', /is empty/);
    expectConfigError(check({ ...ok(), hostPID: true }), 'spec.hostPID', /host namespaces/);
    expectConfigError(check({ ...ok(), hostIPC: '{{ ipc }}' }), 'spec.hostIPC', /host namespaces/);
    expectConfigError(
      tweak((s) => (s.securityContext.runAsUser = 0)),
      'spec.securityContext.runAsUser',
      /root/,
    );
    expectConfigError(
      tweak((s) => (s.securityContext.runAsNonRoot = false)),
      `${c}.runAsNonRoot`,
      /not true/,
    );
    expectConfigError(
      tweak((s) => (s.securityContext.seccompProfile = { type: 'Unconfined' })),
      `${c}.seccompProfile.type`,
      /Unconfined/,
    );
    expectConfigError(
      tweak((s) => (s.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] })),
      `${c}.capabilities.drop`,
      /ALL/,
    );
    expectConfigError(
      tweak((s) => delete s.containers[0].securityContext.allowPrivilegeEscalation),
      `${c}.allowPrivilegeEscalation`,
      /not false/,
    );
    expectConfigError(
      tweak((s) => (s.containers[0].ports = [{ containerPort: 80, hostPort: 80 }])),
      'spec.containers[0].ports[0].hostPort',
    );
    // Init containers are checked like the others.
    expectConfigError(
      tweak((s) => (s.initContainers = [{ name: 'i', securityContext: { privileged: true } }])),
      'spec.initContainers[0].securityContext.privileged',
    );
  });
});
