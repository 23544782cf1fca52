import { synth, MINIMAL, one } from '../util';
test('x', () => {
  const objs = synth({ ...MINIMAL, database: { external: { host: '127.0.0.1', port: 5555, database: 'd', user: 'u', passwordSecret: { name: 'db', key: 'password' } } }, redis: { external: { host: '127.0.0.1', port: 6666, passwordSecret: { name: 'redis', key: 'password' } } } });
  const d = one(objs, 'Deployment', 'prefect-background-services');
  console.log(JSON.stringify(d.spec.template.spec, null, 1));
});
