"""Item graphs of BOMs (parent item -> component items): cycles and low-level codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def find_cycle(edges: Mapping[int, Iterable[int]], start: int) -> list[int] | None:
    """A path start → … → start if one exists (iterative DFS), else None."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == start:
                return path + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


def low_level_codes(edges: Mapping[int, Iterable[int]]) -> dict[int, int]:
    """Greatest depth at which each item occurs (top items 0). Raises ValueError on a cycle.

    Longest-path over a DAG by Kahn's topological order: a component's code is one more than
    the largest code of any of its parents.
    """
    children: dict[int, set[int]] = {p: set(cs) for p, cs in edges.items()}
    nodes: set[int] = set(children)
    for cs in children.values():
        nodes |= cs
    indeg = dict.fromkeys(nodes, 0)
    for cs in children.values():
        for c in cs:
            indeg[c] += 1
    level = dict.fromkeys(nodes, 0)
    ready = [n for n, d in indeg.items() if d == 0]
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        for c in children.get(node, ()):
            if level[node] + 1 > level[c]:
                level[c] = level[node] + 1
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
    if done != len(nodes):
        raise ValueError("cycle")
    return level
