#!/usr/bin/env bash
# Generates the configuration file's JSON Schema from the PrefectStackProps interface (one source of truth).
set -euo pipefail
cd "$(dirname "$0")/.."
npx ts-json-schema-generator --path charts/prefect-stack-props.ts --type PrefectStackProps \
  --tsconfig tsconfig.build.json --no-type-check --out "${1:-charts/config/schema.json}"
