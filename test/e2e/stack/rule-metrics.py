"""Metric names the stack's PrometheusRule reads from the exporters a ServiceMonitor targets.

stdin: the PrometheusRule as JSON (kubectl get prometheusrule -o json). Prints one name per line: every
identifier in an `expr` that starts with a prefix of a scraped exporter (pg_, redis_, process_, python_, prefect_)
and is not itself a recording rule's name. String literals and label matchers are removed first.
"""
import json
import re
import sys

PREFIXES = ("pg_", "redis_", "process_", "python_", "prefect_")
rule = json.load(sys.stdin)
records = {r["record"] for g in rule["spec"]["groups"] for r in g["rules"] if "record" in r}
names = set()
for g in rule["spec"]["groups"]:
    for r in g["rules"]:
        expr = re.sub(r'"[^"]*"', "", r["expr"])
        expr = re.sub(r"\{[^}]*\}", "", expr)           # label matchers
        expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
        names.update(m for m in re.findall(r"\b[a-z_][a-z0-9_:]*\b", expr) if m.startswith(PREFIXES))
print("\n".join(sorted(names - records)))
