import { Construct } from 'constructs';
import * as cnpg from '../../imports/cluster-postgresql.cnpg.io';
import * as k8s from '../../imports/k8s';
import { componentLabels } from '../common/labels';
import { secretEnv } from '../common/secrets';
import { StackContext } from '../common/stack-context';
import { podsPeer } from '../network/flow';
import { DatabaseConnection } from '../prefect/connections';
import { POSTGRES_EXPORTER_PORT, POSTGRES_PORT } from './postgres';
import type { ResolvedCloudNativePg } from './resolve';
import { DATA_SCRIPTS, dataScript } from './scripts';

/** The instance manager's status port, which the operator (and the other instances) call. */
export const CLOUDNATIVE_PG_STATUS_PORT = 8000;

/**
 * The migrate Job's init container with CloudNativePG: waits for the primary, then ensures pg_trgm in Prefect's
 * database as its owner (a trusted extension since PostgreSQL 13: no superuser needed), so a database restored or
 * bootstrapped without it is brought to what Prefect's migrations expect.
 */
export function ensureExtensionContainer(c: ResolvedCloudNativePg, db: DatabaseConnection): k8s.Container {
  const script = [
    'set -eu',
    'for i in $(seq 1 60); do pg_isready -q -t 5 && break; [ "$i" = 60 ] && { echo "ensure-extension: $PGHOST not ready after 120 s" >&2; exit 1; }; sleep 2; done',
    'psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"',
    'echo "ensure-extension: pg_trgm in $PGDATABASE"',
  ].join('\n');
  return {
    name: 'ensure-extension',
    image: c.image,
    command: ['bash', '-c', script],
    env: [
      { name: 'PGHOST', value: c.primaryServiceName },
      { name: 'PGPORT', value: String(POSTGRES_PORT) },
      { name: 'PGDATABASE', value: c.database },
      secretEnv('PGUSER', db.userSecret!),
      secretEnv('PGPASSWORD', db.passwordSecret!),
      { name: 'PGCONNECT_TIMEOUT', value: '10' },
      { name: 'PGAPPNAME', value: 'prefect-stack' },
    ],
    resources: {
      requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('32Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
      limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('128Mi') },
    },
  };
}

/** A quantity map of k8s.ResourceRequirements as CloudNativePG's generated class wants it. */
function quantities<T>(m: { [key: string]: k8s.Quantity } | undefined, make: (v: string) => T): { [key: string]: T } | undefined {
  return m && Object.fromEntries(Object.entries(m).map(([k, q]) => [k, make(String(q.value))]));
}

/**
 * PostgreSQL with automatic failover: a CloudNativePG `Cluster` of a primary and streaming replicas, one per node,
 * bootstrapped with Prefect's role, database and pg_trgm. The operator makes the `-rw` Service (the primary, which
 * Prefect uses), the `<cluster>-app` Secret, and the superuser Secret when the backups need it; the stack adds a
 * metrics Service for its ServiceMonitor and the NetworkPolicy flows the operator documents (its status port and
 * PostgreSQL from the operator, the instances to each other and to the Kubernetes API).
 */
export class CloudNativePgCluster extends Construct {
  constructor(scope: Construct, id: string, c: ResolvedCloudNativePg) {
    super(scope, id);
    const ctx = StackContext.of(this);
    const labels = componentLabels({
      instance: ctx.instance,
      name: 'postgresql',
      component: 'postgres',
      version: ctx.images.version('postgres'),
      tier: 'backend',
    });
    const affinity = c.pod.affinity;
    new cnpg.Cluster(this, 'Cluster', {
      metadata: { name: c.clusterName, labels },
      spec: {
        instances: c.instances,
        imageName: c.image,
        imagePullPolicy: ctx.images.pullPolicy,
        imagePullSecrets: ctx.imagePullSecrets.length ? ctx.imagePullSecrets.map((name) => ({ name })) : undefined,
        postgresUid: c.uid,
        postgresGid: c.uid,
        storage: { size: c.storageSize, storageClass: c.storageClassName },
        resources: {
          requests: quantities(c.resources.requests, cnpg.ClusterSpecResourcesRequests.fromString),
          limits: quantities(c.resources.limits, cnpg.ClusterSpecResourcesLimits.fromString),
        },
        enableSuperuserAccess: c.superuserSecretName !== undefined,
        postgresql: { parameters: c.parameters },
        bootstrap: {
          initdb: {
            database: c.database,
            owner: c.owner,
            encoding: 'UTF8',
            localeCollate: 'C.UTF-8',
            localeCType: 'C.UTF-8',
            postInitApplicationSql: ['CREATE EXTENSION IF NOT EXISTS pg_trgm'],
          },
        },
        affinity: {
          enablePodAntiAffinity: true,
          podAntiAffinityType: c.spread,
          topologyKey: 'kubernetes.io/hostname',
          nodeSelector: c.pod.nodeSelector,
          tolerations: c.pod.tolerations,
          nodeAffinity: affinity?.nodeAffinity as cnpg.ClusterSpecAffinityNodeAffinity | undefined,
          additionalPodAffinity: affinity?.podAffinity as cnpg.ClusterSpecAffinityAdditionalPodAffinity | undefined,
          additionalPodAntiAffinity: affinity?.podAntiAffinity as cnpg.ClusterSpecAffinityAdditionalPodAntiAffinity | undefined,
        },
        topologySpreadConstraints: c.pod.topologySpreadConstraints.length
          ? (c.pod.topologySpreadConstraints as unknown as cnpg.ClusterSpecTopologySpreadConstraints[])
          : undefined,
        priorityClassName: c.pod.priorityClassName,
        // Onto the instances' pods, Services and claims: commonLabels and the pods' own metadata (not the stack's
        // app.kubernetes.io/* labels: the operator sets those to its own values and reconciles them back).
        inheritedMetadata: {
          labels: Object.keys({ ...ctx.commonLabels, ...c.pod.labels }).length ? { ...ctx.commonLabels, ...c.pod.labels } : undefined,
          annotations: Object.keys(c.pod.annotations).length ? c.pod.annotations : undefined,
        },
        serviceAccountTemplate: Object.keys(c.pod.serviceAccountAnnotations).length
          ? { metadata: { annotations: c.pod.serviceAccountAnnotations } }
          : undefined,
      },
    });

    if (c.superuserSecretName !== undefined) {
      // The backup and restore pods mount the data scripts, as with the in-cluster server.
      new k8s.KubeConfigMap(this, 'Scripts', {
        metadata: { name: c.scriptsConfigMapName, labels },
        data: Object.fromEntries(DATA_SCRIPTS.filter((f) => f !== 'ensure-database.sh').map((f) => [f, dataScript(f)])),
      });
    }
    // The instances' metrics port: the operator makes no Service for it.
    new k8s.KubeService(this, 'MetricsService', {
      metadata: { name: c.metricsServiceName, labels },
      spec: {
        selector: c.podSelector,
        ports: [{ name: 'metrics', port: POSTGRES_EXPORTER_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }],
      },
    });
    ctx.scrape({
      name: 'postgres',
      service: c.metricsServiceName,
      podSelector: c.podSelector,
      port: 'metrics',
      portNumber: POSTGRES_EXPORTER_PORT,
      path: '/metrics',
      why: "Prometheus scrapes the CloudNativePG instances' metrics",
    });

    const instances = podsPeer(c.podSelector);
    ctx.allow(
      ctx.peers.cloudNativePgOperator,
      instances,
      [CLOUDNATIVE_PG_STATUS_PORT, POSTGRES_PORT],
      'the CloudNativePG operator reads each instance and manages PostgreSQL',
    );
    ctx.allow(instances, instances, [POSTGRES_PORT, CLOUDNATIVE_PG_STATUS_PORT], 'replicas stream from the primary; instance managers call each other');
    ctx.allow(instances, ctx.peers.kubernetesApi.peer, ctx.peers.kubernetesApi.ports, 'instance managers watch their Cluster (Kubernetes API)');
  }
}
