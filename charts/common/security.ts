import * as k8s from '../../imports/k8s';

/** The user and group a pod runs as. */
export interface PodIdentity {
  /** UID; `undefined` lets the platform assign one (OpenShift's restricted SCC). */
  readonly user?: number;
  /** GID of the process and of mounted volumes. */
  readonly group?: number;
}

/**
 * The one pod security context every pod uses: Pod Security Standards `restricted` (non-root, seccomp
 * RuntimeDefault); volumes owned by the group only when their ownership differs (fast restarts on big claims).
 */
export function restrictedPodSecurityContext(id: PodIdentity): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    ...(id.user !== undefined ? { runAsUser: id.user } : {}),
    ...(id.group !== undefined ? { runAsGroup: id.group, fsGroup: id.group, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The one container security context every container uses: `restricted`, and a read-only root filesystem.
 * `netBindService` keeps the one capability `restricted` allows, for images whose binary carries it as a file
 * capability (pgAdmin's python): without it in the bounding set, exec fails under no_new_privs.
 */
export function restrictedContainerSecurityContext(o: { netBindService?: boolean } = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'], ...(o.netBindService ? { add: ['NET_BIND_SERVICE'] } : {}) },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
