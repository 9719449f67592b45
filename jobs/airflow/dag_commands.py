"""Prints the streamtrain command lines that streamtrain_dag.py runs for one date, one JSON list per task, in order.

Reads the DAG with Python's ast module, so neither Airflow nor its providers are needed: the module-level string
constants, COMMON and TASKS, with the data-interval templates rendered for the date's daily interval.

    python3 jobs/airflow/dag_commands.py jobs/airflow/streamtrain_dag.py 2026-11-29
"""
import ast
import json
import re
import sys
from datetime import datetime, timedelta, timezone

TEMPLATE = re.compile(r"\{\{\s*(data_interval_start|data_interval_end)\.strftime\('([^']*)'\)\s*\}\}")


def constants(tree):
    """Module-level NAME = <literal expression> assignments, evaluated in order."""
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = evaluate(node.value, values)
            except ValueError:
                pass  # not a literal (a call, a dict of computed values): not part of a command line
    return values


def evaluate(node, values):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in values:
        return values[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [evaluate(e, values) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return evaluate(node.left, values) + evaluate(node.right, values)
    raise ValueError(ast.dump(node))


def render(text, day):
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    interval = {"data_interval_start": start, "data_interval_end": start + timedelta(days=1)}
    return TEMPLATE.sub(lambda m: interval[m.group(1)].strftime(m.group(2)), text)


def main(dag_file, day):
    with open(dag_file, encoding="utf-8") as f:
        values = constants(ast.parse(f.read(), dag_file))
    for task_id, args in values["TASKS"]:
        command = [render(a, day) for a in args + values["COMMON"]]
        if "{{" in " ".join(command):
            raise SystemExit("unrendered template in task " + task_id + ": " + " ".join(command))
        print(json.dumps([task_id] + command))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
