#!/usr/bin/env python3
"""Extracts from the Lambda service model the part the emulator serves.

Writes api-models/model/lambda-esm-model.json: the ESM and tag operations, every shape their
inputs and outputs reach (documentation stripped), and every exception shape with its HTTP
status. The validator and the error table are checked against this file, so regenerate it
when the service model changes:

    scripts/gen_model.py ../shared/reference/lambda-2015-03-31.json
    scripts/gen_model.py --check ../shared/reference/lambda-2015-03-31.json   # CI: no diff
"""
import json
import os
import sys

OPERATIONS = [
    "CreateEventSourceMapping", "GetEventSourceMapping", "ListEventSourceMappings",
    "UpdateEventSourceMapping", "DeleteEventSourceMapping", "TagResource", "UntagResource",
    "ListTags",
]
OUT = os.path.join(os.path.dirname(__file__), "..", "api-models", "model", "lambda-esm-model.json")


def strip(value):
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def extract(model):
    shapes = model["shapes"]
    keep = {}

    def walk(name):
        if name in keep:
            return
        shape = shapes[name]
        keep[name] = strip(shape)
        for member in shape.get("members", {}).values():
            walk(member["shape"])
        for key in ("member", "key", "value"):
            if key in shape:
                walk(shape[key]["shape"])

    operations = {}
    for op in OPERATIONS:
        spec = model["operations"][op]
        operations[op] = strip({k: spec[k] for k in ("http", "input", "output", "errors") if k in spec})
        for key in ("input", "output"):
            if key in spec:
                walk(spec[key]["shape"])
        for err in spec.get("errors", []):
            walk(err["shape"])
    for name, shape in shapes.items():
        if shape.get("exception"):
            walk(name)
    return {
        "metadata": {k: model["metadata"][k] for k in ("apiVersion", "protocol", "signingName")},
        "operations": operations,
        "shapes": dict(sorted(keep.items())),
    }


def main(argv):
    check = "--check" in argv
    paths = [a for a in argv if not a.startswith("--")]
    if len(paths) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(paths[0], encoding="utf-8") as f:
        text = json.dumps(extract(json.load(f)), indent=1, sort_keys=True) + "\n"
    if check:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print(f"{OUT} is stale: run scripts/gen_model.py {paths[0]}", file=sys.stderr)
                return 1
        print("model subset up to date")
        return 0
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
