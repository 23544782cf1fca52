// The public API of cdk8s-prefect-stack.
export * from './prefect-stack';
export * from './app';
export * from './config/load';
export * from './common/images';
export * from './common/labels';
export * from './common/resources';
export * from './common/secrets';
export * from './common/security';
export * from './common/validate';
export * from './data/external';
export * from './prefect/connections';
export * from './prefect/settings';
export * from './prefect/prefect-settings';
export * from './prefect/prefect-runtime';
export * from './prefect/prefect-api';
export * from './prefect/prefect-background';
export * from './prefect/prefect-migration';
