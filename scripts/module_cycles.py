"""Cycles between a crate's modules: each file's `crate::a::b` references (use lines and paths)
become edges between top-level modules, then strongly connected components of two or more are
printed. Usage: python3 scripts/module_cycles.py CRATE_SRC_DIR... ; exits 1 when one is found."""
import os
import re
import sys


def module_of(src, path):
    rel = os.path.relpath(path, src)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts[0] if parts else "<root>"


def graph(src):
    edges = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            if os.sep + "bin" + os.sep in path:
                continue
            me = module_of(src, path)
            text = open(path, encoding="utf-8").read()
            # Test modules may reach anywhere; they are not part of the dependency graph.
            text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
            for target in re.findall(r"crate::([a-z_][a-z0-9_]*)", text):
                if target != me:
                    edges.setdefault(me, set()).add(target)
    return edges


def cycles(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return out


found = False
for src in sys.argv[1:]:
    for comp in cycles(graph(src)):
        found = True
        print(f"{src}: {' <-> '.join(comp)}")
sys.exit(1 if found else 0)
