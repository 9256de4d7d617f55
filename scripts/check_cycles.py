"""No import cycles: fail when any modules of casework import each other in a circle.

The layers contract (``lint-imports``, configured in pyproject.toml) keeps each layer
above the ones it uses, but lets the features of one layer use each other; this check
keeps those uses one-way at the level of modules, so any module can be read, tested and
loaded on its own. Imports made only for type checking do not count.

Run from the repository root (``make lint`` does): ``python scripts/check_cycles.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

import grimp


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing
    itself), each sorted; Tarjan's algorithm, iterative so deep chains need no recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges.get(node, ()):
                    found.append(sorted(group))
    return sorted(found)


def module_imports(package: str) -> dict[str, set[str]]:
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    return {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}


def main() -> int:
    found = cycles(module_imports("casework"))
    for group in found:
        print(f"import cycle of {len(group)} modules: {', '.join(group)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
