#!/usr/bin/env python3
"""Issue 20's size rules, checked so they stay true: no source, test,
benchmark or doc file over 700 lines, and no C or Python function over
80 lines.  Expected pg_regress output, JSON data and fuzz corpora are
data, not code, and are left out.  Run by `make unitcheck`; prints one
ok / not ok line per rule and exits non-zero when one is broken.

C functions are found the way this code base writes them (pgindent
style): a line that is just "{" opens a function body and the next line
that starts with "}" closes it; the name is on the nearest line above with
a "(".  Python functions come from the ast module.
"""
import ast
import os
import sys

MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 80
TEXT_SUFFIXES = (".c", ".h", ".py", ".sh", ".sql", ".md", ".control", "Makefile")
SKIP_DIRS = {".git", "expected", "results", "build", "corpus", "log",
             "tmp_check", "debian", "node_modules", "__pycache__"}


def files(root):
    """Every text file of the tree that the rules cover, relative to root."""
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            if name.endswith(TEXT_SUFFIXES) or name in ("run", "run-all"):
                yield os.path.relpath(os.path.join(top, name), root)


def c_functions(lines):
    """(name, length) of every function body in a C file."""
    start = name = None
    for i, line in enumerate(lines):
        if line == "{" and i > 0:
            j = i - 1
            while j > 0 and "(" not in lines[j]:
                j -= 1
            words = lines[j].split("(")[0].split()
            start, name = i, (words[-1] if words else lines[j])
        elif line.startswith("}") and start is not None:
            yield name, i - start + 1
            start = None


def python_functions(text, path):
    """(name, length) of every function of a Python file."""
    try:
        tree = ast.parse(text, path)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    long_files, long_functions = [], []
    for path in files(root):
        with open(os.path.join(root, path), errors="replace") as f:
            text = f.read()
        lines = text.split("\n")
        if len(lines) - 1 > MAX_FILE_LINES:
            long_files.append("%s: %d lines" % (path, len(lines) - 1))
        functions = []
        if path.endswith((".c", ".h")):
            functions = c_functions(lines)
        elif path.endswith(".py"):
            functions = python_functions(text, path)
        for name, length in functions:
            if length > MAX_FUNCTION_LINES:
                long_functions.append("%s: %s, %d lines" % (path, name, length))
    failed = False
    for rule, found in (("file over %d lines" % MAX_FILE_LINES, long_files),
                        ("function over %d lines" % MAX_FUNCTION_LINES, long_functions)):
        if found:
            failed = True
            print("not ok - no %s; found:" % rule)
            for line in found:
                print("  " + line)
        else:
            print("ok - no %s" % rule)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
