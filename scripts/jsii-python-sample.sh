#!/usr/bin/env bash
# Proves the jsii toolchain end to end on this machine with a tiny cdk8s construct library (the project's own API
# is not jsii-clean yet): jsii builds the assembly, jsii-pacmak the Python wheel (its own venv, pip from PyPI), a
# fresh venv installs the wheel with cdk8s and constructs from PyPI, and a Python app's synth must be byte-identical
# to the TypeScript app's synth of the same props. Prints `built X in Ns` lines and the wheel size.
# Usage: bash scripts/jsii-python-sample.sh [WORK_DIR]   (kept for inspection when given; a temp dir otherwise)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
if [ -n "${1:-}" ]; then work="$1"; rm -rf "$work"; mkdir -p "$work"; else work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT; fi
# jsii warns on every run that this Node major is end-of-life (Node 20 is what this machine has): silence that one.
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION
pkg() { node -p "require('$root/package.json').devDependencies['$1']"; }
CDK8S="$(pkg cdk8s)" CONSTRUCTS="$(pkg constructs)"
t() { local s=$SECONDS; "$@"; echo "built ${label:?} in $((SECONDS - s))s" >&2; }

lib="$work/lib"
mkdir -p "$lib/src"
ln -s "$root/node_modules" "$lib/node_modules"
cat >"$lib/package.json" <<EOF
{
  "name": "jsii-sample", "version": "0.0.1", "license": "MIT",
  "author": { "name": "cdk8s-prefect-stack maintainers", "organization": false },
  "repository": { "type": "git", "url": "https://example.invalid/jsii-sample.git" },
  "main": "lib/index.js", "types": "lib/index.d.ts",
  "peerDependencies": { "cdk8s": "^$CDK8S", "constructs": "^$CONSTRUCTS" },
  "devDependencies": { "cdk8s": "$CDK8S", "constructs": "$CONSTRUCTS" },
  "jsii": {
    "outdir": "dist", "tsc": { "outDir": "lib", "rootDir": "src" },
    "targets": { "python": { "distName": "jsii-sample", "module": "jsii_sample" } }
  }
}
EOF
echo "# jsii-sample" >"$lib/README.md" # PyPI packages need a README
# A struct (readonly interface), an enum, a construct with a static factory: the shapes the real API needs.
cat >"$lib/src/index.ts" <<'EOF'
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';

/** How the greeting is stored. */
export enum Storage {
  /** A ConfigMap. */
  CONFIG_MAP = 'ConfigMap',
  /** A Secret (stringData). */
  SECRET = 'Secret',
}

/** Props of {@link Greeting}. */
export interface GreetingProps {
  /** The greeting. */
  readonly message: string;
  /** Copies. @default 1 */
  readonly copies?: number;
  /** Where to store it. @default Storage.CONFIG_MAP */
  readonly storage?: Storage;
  /** Extra labels. @default - none */
  readonly labels?: { [key: string]: string };
}

/** A chart with one object per copy. */
export class Greeting extends Chart {
  /** Builds a Greeting from a JSON string (what a configuration loader would expose). */
  public static fromJson(scope: Construct, id: string, json: string): Greeting {
    return new Greeting(scope, id, JSON.parse(json) as GreetingProps);
  }

  /** Names of the objects made. */
  public readonly names: string[] = [];

  constructor(scope: Construct, id: string, props: GreetingProps) {
    super(scope, id);
    const kind = props.storage ?? Storage.CONFIG_MAP;
    for (let i = 0; i < (props.copies ?? 1); i++) {
      const name = `greeting-${i}`;
      new ApiObject(this, name, {
        apiVersion: 'v1', kind,
        metadata: { name, labels: { app: 'greeting', ...props.labels } },
        ...(kind === Storage.SECRET ? { stringData: { message: props.message } } : { data: { message: props.message } }),
      });
      this.names.push(name);
    }
  }
}
EOF
label="jsii assembly (sample)" t bash -c "cd '$lib' && '$root/node_modules/.bin/jsii' --silence-warnings=reserved-word"
label="jsii-pacmak python wheel (sample)" t bash -c "cd '$lib' && '$root/node_modules/.bin/jsii-pacmak' --targets python --code-only=false"
wheel="$(ls "$lib"/dist/python/*.whl)"
echo "wheel: $(basename "$wheel") $(stat -c %s "$wheel") bytes" >&2

venv="$work/venv"
label="fresh venv + wheel + cdk8s==$CDK8S constructs==$CONSTRUCTS from PyPI" t bash -c \
  "python3 -m venv '$venv' && '$venv/bin/pip' install -q --disable-pip-version-check '$wheel' 'cdk8s==$CDK8S' 'constructs==$CONSTRUCTS'"

props='{"message": "hello: world", "copies": 2, "storage": "Secret", "labels": {"tier": "demo"}}'
cat >"$work/app.py" <<EOF
import sys
from cdk8s import App
from jsii_sample import Greeting, Storage
app = App(outdir=sys.argv[1])
Greeting(app, "typed", message="hello: world", copies=2, storage=Storage.SECRET, labels={"tier": "demo"})
Greeting.from_json(app, "json", '$props')
app.synth()
EOF
cat >"$work/app.js" <<EOF
const { App } = require('cdk8s');
const { Greeting, Storage } = require('$lib');
const app = new App({ outdir: process.argv[2] });
new Greeting(app, 'typed', { message: 'hello: world', copies: 2, storage: Storage.SECRET, labels: { tier: 'demo' } });
Greeting.fromJson(app, 'json', '$props');
app.synth();
EOF
s=$SECONDS
"$venv/bin/python" "$work/app.py" "$work/out-py"
echo "python synth in $((SECONDS - s))s" >&2
NODE_PATH="$root/node_modules" node "$work/app.js" "$work/out-ts"
diff -r "$work/out-ts" "$work/out-py"
echo "python output is byte-identical to the TypeScript output: $(find "$work/out-py" -type f -printf '%f ')" >&2
# Negative control: the comparison sees a one-prop difference.
sed -i 's/copies=2/copies=1/' "$work/app.py"
"$venv/bin/python" "$work/app.py" "$work/out-py-1"
if diff -rq "$work/out-ts" "$work/out-py-1" >/dev/null; then echo "negative control failed: copies=1 gave the same output" >&2; exit 1; fi
echo "negative control: copies=1 differs, as it must" >&2
