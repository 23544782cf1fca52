import { checkDnsSubdomain, checkImageTag, fail } from './validate';

/**
 * The one table of pinned images. To bump one: change its tag here, run `npm run synth`, read the diff of dist/,
 * run `npm test` (and the cluster tiers), commit. The Prefect images' tags follow `prefect.version`.
 */
export const PINNED_IMAGES = {
  prefect: { registry: 'docker.io', repository: 'prefecthq/prefect', tag: '3.9.1-python3.12' },
  // The Kubernetes worker: Prefect's own `-kubernetes` variant (the same release plus prefect-kubernetes).
  prefectWorker: { registry: 'docker.io', repository: 'prefecthq/prefect', tag: '3.9.1-python3.12-kubernetes' },
  postgres: { registry: 'docker.io', repository: 'library/postgres', tag: '17.6' },
  postgresExporter: { registry: 'quay.io', repository: 'prometheuscommunity/postgres-exporter', tag: 'v0.18.1' },
  redis: { registry: 'docker.io', repository: 'library/redis', tag: '8.2.2' },
  redisExporter: { registry: 'docker.io', repository: 'oliver006/redis_exporter', tag: 'v1.80.0' },
  pgadmin: { registry: 'docker.io', repository: 'dpage/pgadmin4', tag: '9.10' },
  redisCommander: { registry: 'ghcr.io', repository: 'joeferner/redis-commander', tag: '0.9.0' },
  redisInsight: { registry: 'docker.io', repository: 'redis/redisinsight', tag: '2.70.1' },
  prometheus: { registry: 'quay.io', repository: 'prometheus/prometheus', tag: 'v3.7.3' },
  grafana: { registry: 'docker.io', repository: 'grafana/grafana', tag: '12.2.1' },
  prefectExporter: { registry: 'docker.io', repository: 'prefecthq/prometheus-prefect-exporter', tag: '1.6.0' },
  // The backup's optional S3 copy (rclone: one static binary, S3 settings from the environment only).
  s3Client: { registry: 'docker.io', repository: 'rclone/rclone', tag: '1.75.1' },
} as const;

/** The name of an image in {@link PINNED_IMAGES}. */
export type ImageName = keyof typeof PINNED_IMAGES;

/** Images whose tag follows `prefect.version`: the release, then this suffix (Prefect's tag scheme). */
const PREFECT_TAG_SUFFIX: { [name in ImageName]?: string } = {
  prefect: '-python3.12',
  prefectWorker: '-python3.12-kubernetes',
};

/** Where images come from: a registry mirror for every image, or one image replaced outright. */
export interface ImagesProps {
  /**
   * A registry host (and optional port and path) that replaces the upstream registry of every image, for private
   * mirrors and air-gapped clusters: `mirror.example.com:5000/hub` turns `docker.io/library/redis:8.2.2` into
   * `mirror.example.com:5000/hub/library/redis:8.2.2`.
   * @default - each image's upstream registry (docker.io, quay.io, ghcr.io)
   */
  readonly registry?: string;
  /**
   * Whole image references that replace single images, keyed by the names of the pinned table
   * (`prefect`, `postgres`, `postgresExporter`, `redis`, `redisExporter`, `pgadmin`, `redisCommander`, …).
   * Each must be pinned (a tag other than `latest`, or a digest).
   * @default - none
   */
  readonly overrides?: { [name: string]: string };
  /**
   * `imagePullPolicy` of every container. Tags are pinned, so a node's cached copy is the right one.
   * @default "IfNotPresent"
   */
  readonly pullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  /**
   * `kubernetes.io/dockerconfigjson` Secrets (in the stack's namespace, and in every worker job namespace) that
   * every pod pulls its images with — flow-run Jobs included — for a private registry or mirror.
   * @default - none: the registry needs no credentials (or the nodes have them)
   */
  readonly pullSecrets?: string[];
}

/** An image reference split as the container runtime reads it: `[registry[:port]/]repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host (and port), when the reference names one. */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/**
 * Parses an image reference by distribution's grammar: the first component is a registry when it has a `.` or a
 * `:` or is `localhost`, so `registry.local:5000/mirror/redis:8.2.2` has the tag `8.2.2`, not `5000/…`.
 * Returns undefined for what is not a reference.
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > 4096) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  const parts = rest.split('/');
  let registry: string | undefined;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) registry = parts.shift();
  let tag: string | undefined;
  const last = parts[parts.length - 1];
  const colon = last.indexOf(':');
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    parts[parts.length - 1] = last.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (registry !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*(:[0-9]+)?$/.test(registry))
    return undefined;
  if (!parts.every((p) => PATH_COMPONENT.test(p))) return undefined;
  return { registry, repository: parts.join('/'), tag, digest };
}

/** Checks an image reference given in the configuration: parseable, and pinned (a tag other than `latest`, or a digest). */
export function checkPinnedImage(field: string, ref: string): string {
  const r = parseImageReference(ref);
  if (!r) fail(field, `"${ref}" is not an image reference`, 'write it as registry/repository:tag, e.g. registry.example.com/prefect/flows:1.4.2');
  if (!r.digest) checkImageTag(field, r.tag ?? '');
  return ref;
}

/** Resolves image names to references, applying the mirror and the overrides once for the whole stack. */
export class ImageCatalog {
  public readonly pullPolicy: string;
  public readonly pullSecrets: string[];
  private readonly registry?: string;
  private readonly overrides: { [name: string]: string };

  constructor(
    props: ImagesProps = {},
    private readonly prefectVersion?: string,
  ) {
    if (props.registry !== undefined) {
      const host = props.registry.replace(/\/+$/, '');
      const parsed = parseImageReference(`${host}/x`);
      if (!parsed || !/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/.test(host) || (!parsed.registry && !host.includes('/'))) {
        fail(
          'images.registry',
          `"${props.registry}" is not a registry host`,
          'write a host with an optional port and path, e.g. mirror.example.com:5000/hub (no scheme)',
        );
      }
      checkDnsSubdomain('images.registry', host.split('/')[0].split(':')[0]);
      this.registry = host;
    }
    this.overrides = props.overrides ?? {};
    for (const [name, ref] of Object.entries(this.overrides)) {
      if (!(name in PINNED_IMAGES)) {
        fail(`images.overrides.${name}`, 'is not an image of the stack', `use one of ${Object.keys(PINNED_IMAGES).join(', ')}`);
      }
      checkPinnedImage(`images.overrides.${name}`, ref);
    }
    this.pullPolicy = props.pullPolicy ?? 'IfNotPresent';
    this.pullSecrets = (props.pullSecrets ?? []).map((s, i) => checkDnsSubdomain(`images.pullSecrets[${i}]`, s));
    if (new Set(this.pullSecrets).size !== this.pullSecrets.length) fail('images.pullSecrets', 'names a Secret twice', 'list each Secret once');
  }

  /** The full reference of one image. */
  public ref(name: ImageName): string {
    if (this.overrides[name]) return this.overrides[name];
    const pinned = PINNED_IMAGES[name];
    const tag = this.prefectVersion && name in PREFECT_TAG_SUFFIX ? `${this.prefectVersion}${PREFECT_TAG_SUFFIX[name]}` : pinned.tag;
    return `${this.registry ?? pinned.registry}/${pinned.repository}:${tag}`;
  }

  /** The release an image runs, for the `app.kubernetes.io/version` label: the version its tag starts with. */
  public version(name: ImageName): string | undefined {
    return /^v?(\d+(\.\d+)*)/.exec(parseImageReference(this.ref(name))?.tag ?? '')?.[1];
  }
}
