// ESLint 9 flat config (`npm run lint`): typescript-eslint's recommended rules, without type information.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Generated or built output, and what .gitignore keeps out of the repository.
    ignores: [
      'imports/**',
      'lib/**',
      'dist/**',
      'coverage/**',
      '**/node_modules/**',
      '**/*.d.ts',
      'test/schema/**',
      '.jest-cache/**',
      '.cdk8s.out/**',
      'dist.next-*/**',
      'dist.old-*/**',
      '.synth-*/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      // The .js files are CommonJS node scripts and configs (package.json has no "type": "module").
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // `any` is the type of free-form JSON here: the tests walk synthesized manifests and tools' parsed output; these
    // charts files take a user's base job template (jsii Json) and walk it or a config by key path before checking it.
    files: [
      'test/**',
      'charts/config/load.ts',
      'charts/worker/base-job-template.ts',
      'charts/worker/options.ts',
      'charts/worker/pod-security.ts',
      'charts/worker/resolve.ts',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    rules: {
      // A leading underscore marks a parameter, binding or caught error as deliberately unused (tsconfig's
      // noUnusedParameters uses the same convention).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
);
