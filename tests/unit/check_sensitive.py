#!/usr/bin/env python3
"""Sensitive fields: compare cks_fdw's descriptors with botocore's models.

Reads the operation and column descriptors from the code itself
(`run_unit --descriptors`, built from src/aws/aws_service.c and
src/table_kinds.c) and each operation's output shape from botocore's
service model (data/<service>/<version>/service-2.json[.gz]), and fails when

  - the model marks a member sensitive ("sensitive": true on its shape,
    anywhere below the operation's output) that the descriptor does not
    list in sensitive_paths;
  - a descriptor lists a path the model's output does not have (a typo,
    or a field AWS renamed: the row builder would hide nothing);
  - a column reads a sensitive path but is not marked sensitive (for a
    column filled by an extra call, GetKeyLastUsage..., the path inside
    that call's answer: any sensitive member at or below it);
  - a path the descriptor shows all the same (shown_paths, each with its
    reason in the descriptor) is not one of its sensitive paths;
  - the model has no such operation.

botocore comes from the Python running this (the pyenv 3.11 has it), else
Debian's python3-botocore; without either the check is skipped with a
message.  Prints "not ok" lines (and "ok" lines with CKS_VERBOSE=1) and
"N passed, N failed".

Usage: check_sensitive.py [path/to/run_unit]   (make sensitivecheck)
"""

import glob
import gzip
import json
import os
import subprocess
import sys

DEBIAN_DATA = "/usr/lib/python3/dist-packages/botocore/data"
MAX_DEPTH = 32

passed = 0
failed = 0


VERBOSE = os.environ.get("CKS_VERBOSE") == "1"


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        if VERBOSE:
            print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what)


def botocore_data():
    """botocore's data directory, or None."""
    try:
        import botocore
        path = os.path.join(os.path.dirname(botocore.__file__), "data")
        if os.path.isdir(path):
            return path
    except ImportError:
        pass
    return DEBIAN_DATA if os.path.isdir(DEBIAN_DATA) else None


def load_model(data, service):
    """The newest API version's service-2 model of a service, or None."""
    versions = sorted(glob.glob(os.path.join(data, service, "*", "")))
    for version in reversed(versions):
        path = os.path.join(version, "service-2.json")
        if os.path.exists(path + ".gz"):
            with gzip.open(path + ".gz", "rt", encoding="utf-8") as f:
                return json.load(f)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
    return None


def output_paths(shapes, shape, path="", stack=(), depth=0):
    """(path, sensitive) for every member below shape: dotted names,
    "[]" after a list, "{}" after a map's value.  A sensitive shape is
    reported once, its members not visited (hiding it hides them)."""
    s = shapes[shape]
    sensitive = bool(s.get("sensitive"))
    if path:
        yield path, sensitive
    if sensitive or shape in stack or depth > MAX_DEPTH:
        return
    stack = stack + (shape,)
    kind = s.get("type")
    if kind == "structure":
        for name, member in s.get("members", {}).items():
            yield from output_paths(shapes, member["shape"],
                                    (path + "." if path else "") + name,
                                    stack, depth + 1)
    elif kind == "list":
        yield from output_paths(shapes, s["member"]["shape"], path + "[]",
                                stack, depth + 1)
    elif kind == "map":
        yield from output_paths(shapes, s["value"]["shape"], path + "{}",
                                stack, depth + 1)


def entry_prefix(op):
    if not op["entries"]:
        return None
    return op["entries"] + ("." if op["single_entry"] else "[].")


def check_operation(op, model, sensitive_of):
    label = "%s %s" % (op["model"], op["action"])
    spec = model["operations"].get(op["action"]) if model else None
    check(spec is not None, "%s: the model has the operation" % label)
    if spec is None:
        return
    paths = {}
    if "output" in spec:
        paths = dict(output_paths(model["shapes"], spec["output"]["shape"]))
    marked = set(op["sensitive"])
    model_sensitive = sorted(p for p, s in paths.items() if s)
    for path in model_sensitive:
        check(path in marked, "%s: sensitive %s is marked" % (label, path))
    for path in sorted(marked):
        check(path in paths, "%s: marked %s is in the model" % (label, path))
    sensitive_of[op["action"]] = (entry_prefix(op), marked | set(model_sensitive))


def check_shown(op):
    for path in op.get("shown", []):
        check(path in op["sensitive"],
              "%s shows %s, one of its sensitive paths" % (op["action"], path))


def check_extra_column(kind, col, sensitive_of):
    """A column of an extra call: no sensitive member of that call's
    answer at or below the column's path (its first part names the call)."""
    _, sensitive = sensitive_of.get(col["extra_action"], (None, set()))
    path = col["path"][len(col["extra_name"]) + 1:] if "." in col["path"] \
        else ""
    below = [s for s in sensitive
             if path == "" or s == path or s.startswith(path + ".")
             or s.startswith(path + "[]")]
    check(col["sensitive"] == bool(below),
          "%s.%s (%s of %s): marked sensitive %s" %
          (kind["name"], col["name"], path or "the answer", col["extra_action"],
           "as a member below it is" if below else "only on a sensitive path"))


def check_kind(kind, sensitive_of):
    prefix, sensitive = sensitive_of.get(kind["action"], (None, set()))
    if prefix is None:
        return
    if kind.get("nested"):
        # rows are the elements of this array of each entry (cloudhsm_hsms)
        prefix = prefix + kind["nested"] + "[]."
    for col in kind["columns"]:
        if col["path"] is None:
            continue
        if "extra_action" in col:
            check_extra_column(kind, col, sensitive_of)
            continue
        hidden = prefix + col["path"] in sensitive
        check(col["sensitive"] == hidden,
              "%s.%s (%s): marked sensitive %s" %
              (kind["name"], col["name"], col["path"],
               "as its path is" if hidden else "only on a sensitive path"))


def main():
    runner = sys.argv[1] if len(sys.argv) > 1 else "tests/unit/run_unit"
    data = botocore_data()
    if data is None:
        print("SKIP sensitive fields: no botocore models (neither this "
              "Python's botocore nor %s)" % DEBIAN_DATA)
        print("0 passed, 0 failed, 1 skipped")
        return 0
    print("# botocore models: %s" % data)
    descriptors = json.loads(subprocess.run(
        [runner, "--descriptors"], check=True, capture_output=True,
        text=True).stdout)
    models = {}
    sensitive_of = {}
    for op in descriptors["operations"]:
        if op["model"] not in models:
            models[op["model"]] = load_model(data, op["model"])
            check(models[op["model"]] is not None,
                  "botocore has a model for %s" % op["model"])
        check_operation(op, models[op["model"]], sensitive_of)
        check_shown(op)
    for kind in descriptors["kinds"]:
        check_kind(kind, sensitive_of)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
