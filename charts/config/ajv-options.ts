import type { Options } from 'ajv';

/**
 * Options of the configuration schema's validator: load.ts compiles with them when running from sources, and
 * `npm run build` (scripts/gen-validator.js) precompiles with the same ones (ajv standalone code) into
 * `PRECOMPILED_VALIDATOR` next to the compiled load.js. Not part of the package's API.
 * The generated `default`s document the defaults (the constructs apply them); they are not applied here.
 * `verbose` keeps `parentSchema` on errors, which the unknown-key message lists the allowed keys from.
 */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, useDefaults: false, verbose: true };

/** File name of the precompiled validator, beside load.js. */
export const PRECOMPILED_VALIDATOR = 'schema-validator.js';
