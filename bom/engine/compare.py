"""Comparison of two BOM versions: added, removed and changed lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .explosion import LineData

COMPARED = (
    "qty_per",
    "scrap_rate",
    "fixed_loss",
    "issue_method",
    "warehouse_id",
    "key_part",
    "valid_from",
    "valid_to",
    "cost_share",
)


@dataclass(frozen=True)
class LineDiff:
    kind: str  # added / removed / changed / same
    component_id: int
    line_type: str
    old: LineData | None
    new: LineData | None
    fields: tuple[str, ...] = ()


def _keyed(lines: Iterable[LineData]) -> dict[tuple[int, str, int], LineData]:
    seen: dict[tuple[int, str], int] = defaultdict(int)
    out: dict[tuple[int, str, int], LineData] = {}
    for line in sorted(lines, key=lambda x: (x.line_no, x.id)):
        k = (line.component_id, line.line_type)
        out[(k[0], k[1], seen[k])] = line
        seen[k] += 1
    return out


def compare_lines(old_lines: Iterable[LineData], new_lines: Iterable[LineData]) -> list[LineDiff]:
    """Lines matched by (component, line type, occurrence)."""
    old, new = _keyed(old_lines), _keyed(new_lines)
    diffs = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if a is None:
            diffs.append(LineDiff("added", key[0], key[1], None, b))
        elif b is None:
            diffs.append(LineDiff("removed", key[0], key[1], a, None))
        else:
            changed = tuple(f for f in COMPARED if getattr(a, f) != getattr(b, f))
            diffs.append(LineDiff("changed" if changed else "same", key[0], key[1], a, b, changed))
    return diffs
