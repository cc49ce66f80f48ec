#!/usr/bin/env python3
"""Fails when the library's modules import each other in a cycle.

A module is a file under src/ (a folder's mod.rs is the folder); an edge A -> B is any `crate::B`
path in A (use lines and inline paths), counted at the top level below src/ (crate::remote::sas
is remote). Submodules of one folder are one node, so a folder may use its own parts freely.
"""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent / "src"
edges = {}
for path in root.rglob("*.rs"):
    rel = path.relative_to(root).parts
    if rel[0] == "bin" or rel == ("lib.rs",):
        continue
    node = rel[0].removesuffix(".rs")
    text = path.read_text()
    # Drop tests: they may use anything.
    text = re.split(r"#\[cfg\(test\)\]", text)[0]
    for m in re.finditer(r"\bcrate::([a-z_]+)", text):
        if m.group(1) != node:
            edges.setdefault(node, set()).add(m.group(1))
    for m in re.finditer(r"use crate::\{([^}]*)\}", text):
        for part in re.findall(r"\b([a-z_]+)::|\b([a-z_]+)\b", m.group(1)):
            name = part[0] or part[1]
            if name != node and name not in ("self",):
                edges.setdefault(node, set()).add(name)

cycles = []
def visit(node, stack, seen):
    for nxt in sorted(edges.get(node, ())):
        if nxt in stack:
            cycles.append(stack[stack.index(nxt):] + [nxt])
        elif nxt not in seen:
            seen.add(nxt)
            visit(nxt, stack + [nxt], seen)
for start in sorted(edges):
    visit(start, [start], {start})
unique = {tuple(sorted(set(c))): c for c in cycles}
for c in unique.values():
    print("import cycle: " + " -> ".join(c))
sys.exit(1 if unique else 0)
