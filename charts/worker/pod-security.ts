import { fail } from '../common/validate';

/** Volume types Pod Security Standards `restricted` allows (kubernetes/pod-security-admission). */
const RESTRICTED_VOLUMES = ['configMap', 'downwardAPI', 'emptyDir', 'projected', 'secret', 'csi', 'persistentVolumeClaim', 'ephemeral', 'image'];
const RESTRICTED_SECCOMP = ['RuntimeDefault', 'Localhost'];

/**
 * Checks a pod spec written by hand (a work pool's job manifest) against Pod Security Standards `restricted`,
 * field by field as the admission controller does, so a template that would be refused at flow-run time (or,
 * in a namespace that does not enforce, run privileged) fails at synth time instead. Security fields must be
 * literals: a `{{ placeholder }}` there would let a deployment's job variables weaken them.
 */
export function checkRestrictedPodSpec(field: string, spec: any): void {
  if (!spec || typeof spec !== 'object') fail(field, 'is not a pod spec', 'give job_manifest.spec.template.spec as an object');
  const fix = 'the stack\'s generated template passes Pod Security Standards "restricted": drop worker.baseJobTemplate or correct this field';
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[host] !== undefined && spec[host] !== false)
      fail(`${field}.${host}`, `is ${JSON.stringify(spec[host])}: "restricted" forbids host namespaces`, fix);
  }
  const pod = spec.securityContext ?? {};
  if (pod.runAsUser === 0) fail(`${field}.securityContext.runAsUser`, 'is 0 (root)', fix);
  for (const [i, vol] of (Array.isArray(spec.volumes) ? spec.volumes : []).entries()) {
    const kind = Object.keys(vol ?? {}).find((k) => k !== 'name');
    if (kind && !RESTRICTED_VOLUMES.includes(kind)) fail(`${field}.volumes[${i}].${kind}`, 'is a volume type "restricted" forbids', fix);
  }
  const containers = [
    ...(Array.isArray(spec.initContainers) ? spec.initContainers.map((c: any, i: number) => [`initContainers[${i}]`, c]) : []),
    ...(Array.isArray(spec.containers) ? spec.containers.map((c: any, i: number) => [`containers[${i}]`, c]) : []),
  ] as Array<[string, any]>;
  if (containers.length === 0) fail(`${field}.containers`, 'is empty', 'give the flow-run container');
  for (const [path, c] of containers) {
    const f = `${field}.${path}.securityContext`;
    const sc = c?.securityContext ?? {};
    if (sc.privileged !== undefined && sc.privileged !== false)
      fail(`${f}.privileged`, `is ${JSON.stringify(sc.privileged)}: a privileged container owns the node`, fix);
    if (sc.allowPrivilegeEscalation !== false) fail(`${f}.allowPrivilegeEscalation`, `is ${JSON.stringify(sc.allowPrivilegeEscalation)}, not false`, fix);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) fail(`${f}.runAsNonRoot`, "is not true (here or in the pod's securityContext)", fix);
    if (sc.runAsUser === 0) fail(`${f}.runAsUser`, 'is 0 (root)', fix);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!RESTRICTED_SECCOMP.includes(seccomp)) fail(`${f}.seccompProfile.type`, `is ${JSON.stringify(seccomp)} (here and in the pod)`, fix);
    const caps = sc.capabilities ?? {};
    if (!Array.isArray(caps.drop) || !caps.drop.includes('ALL')) fail(`${f}.capabilities.drop`, 'does not drop ALL', fix);
    const added = (Array.isArray(caps.add) ? caps.add : []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length) fail(`${f}.capabilities.add`, `adds ${added.join(', ')}`, fix);
    for (const [j, p] of (Array.isArray(c?.ports) ? c.ports : []).entries()) {
      if (p?.hostPort) fail(`${field}.${path}.ports[${j}].hostPort`, `is ${p.hostPort}`, fix);
    }
  }
}
