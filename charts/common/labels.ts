/** The tier a pod belongs to, as the NetworkPolicies select it (the seed's frontend and backend networks). */
export type Tier = 'backend' | 'frontend';

/** The label that carries a pod's {@link Tier}. */
export const TIER_LABEL = 'prefect-stack.io/tier';

/** Recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels). */
export interface ComponentLabels {
  /** The stack instance, e.g. `prefect`. */
  readonly instance: string;
  /** The component, e.g. `api`, `postgres`. */
  readonly component: string;
  /** The application, e.g. `prefect`, `postgresql`. */
  readonly name: string;
}

/** Labels that select a component's pods. Stable across versions: selectors are immutable. */
export function selectorLabels(c: ComponentLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': c.name,
    'app.kubernetes.io/instance': c.instance,
    'app.kubernetes.io/component': c.component,
  };
}

/** Every label of a component's objects and pods. */
export function componentLabels(c: ComponentLabels & { version?: string; tier?: Tier }): Record<string, string> {
  return {
    ...selectorLabels(c),
    'app.kubernetes.io/part-of': 'prefect-stack',
    'app.kubernetes.io/managed-by': 'cdk8s',
    ...(c.version ? { 'app.kubernetes.io/version': c.version } : {}),
    ...(c.tier ? { [TIER_LABEL]: c.tier } : {}),
  };
}

/** A frontend component's object name, pod selector and labels (admin UIs, the bundled Prometheus and Grafana). */
export function frontendComponent(names: { instance: string; of(kind: string, suffix: string): string }, app: string, component: string) {
  const c = { instance: names.instance, name: app, component };
  return { name: names.of('Service', component), podSelector: selectorLabels(c), labels: componentLabels({ ...c, tier: 'frontend' }) };
}
