import { TIER_LABEL, componentLabels, frontendComponent, selectorLabels } from '../../charts';
import { ObjectNames } from '../../charts';

const api = { instance: 'prefect', name: 'prefect', component: 'api' };

describe('labels', () => {
  test('selector labels are the three recommended labels that never change with a release', () => {
    expect(selectorLabels(api)).toEqual({
      'app.kubernetes.io/name': 'prefect',
      'app.kubernetes.io/instance': 'prefect',
      'app.kubernetes.io/component': 'api',
    });
  });

  test('component labels add part-of and managed-by, and version and tier only when given', () => {
    const plain = componentLabels(api);
    expect(plain).toEqual({ ...selectorLabels(api), 'app.kubernetes.io/part-of': 'prefect-stack', 'app.kubernetes.io/managed-by': 'cdk8s' });
    expect(plain).not.toHaveProperty('app.kubernetes.io/version');
    expect(plain).not.toHaveProperty(TIER_LABEL);
    expect(componentLabels({ ...api, version: '3.9.1', tier: 'backend' })).toMatchObject({ 'app.kubernetes.io/version': '3.9.1', [TIER_LABEL]: 'backend' });
    // Every selector label is among the object's labels: the selector matches the pods it was made for.
    expect(componentLabels({ ...api, version: '3.9.1' })).toMatchObject(selectorLabels(api));
  });

  test('a frontend component: its Service name, a selector without the tier, labels with it', () => {
    const ui = frontendComponent(new ObjectNames('prod'), 'pgadmin', 'pgadmin');
    expect(ui.name).toBe('prod-pgadmin');
    expect(ui.podSelector).toEqual(selectorLabels({ instance: 'prod', name: 'pgadmin', component: 'pgadmin' }));
    expect(ui.labels[TIER_LABEL]).toBe('frontend');
    expect(ui.labels).toMatchObject(ui.podSelector);
  });
});
