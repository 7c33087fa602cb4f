"""Pure BOM computations over plain data (no ORM): explosion, cycles, low-level codes,
version comparison. Selectors load the data in bulk and feed it here; MRP, kitting, work
orders and costing reuse the same functions."""

from .compare import LineDiff, compare_lines
from .explosion import (
    BomData,
    BomGraph,
    CycleFound,
    ItemData,
    LineData,
    MaterialRequirement,
    TreeRow,
    explode_tree,
    flatten,
)
from .graph import find_cycle, low_level_codes

__all__ = [
    "BomData",
    "BomGraph",
    "CycleFound",
    "ItemData",
    "LineData",
    "LineDiff",
    "MaterialRequirement",
    "TreeRow",
    "compare_lines",
    "explode_tree",
    "find_cycle",
    "flatten",
    "low_level_codes",
]
