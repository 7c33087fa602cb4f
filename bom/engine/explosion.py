"""Multi-level explosion of a BOM graph held in memory.

Requirement of one line for a parent quantity q:
    q × qty_per / output_qty × (1 + scrap_rate) + fixed_loss
Phantom items (supply type "phantom") and items whose BOM has `skip_level` are blown
through: their components are listed instead, computed from the requirement of the
phantom/skip-level line (so scrap and fixed loss multiply down each level).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
ONE = Decimal("1")
QTY = Decimal("0.000001")
COMPONENT = "component"
PHANTOM = "phantom"


def q6(value: Decimal) -> Decimal:
    return value.quantize(QTY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineData:
    id: int
    bom_id: int
    component_id: int
    qty_per: Decimal
    line_no: int = 10
    scrap_rate: Decimal = ZERO
    fixed_loss: Decimal = ZERO
    issue_method: str = "manual"
    warehouse_id: int | None = None
    key_part: bool = False
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    line_type: str = COMPONENT
    cost_share: Decimal | None = None

    def valid_on(self, day: datetime.date | None) -> bool:
        if day is None:
            return True
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class BomData:
    id: int
    item_id: int
    version: str = "V1.0"
    output_qty: Decimal = ONE
    skip_level: bool = False
    lines: tuple[LineData, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemData:
    id: int
    code: str = ""
    name: str = ""
    supply_type: str = "purchase"
    standard_cost: Decimal = ZERO
    uom: str = ""


@dataclass
class BomGraph:
    """The default BOM of every reachable item, and the items' attributes."""

    boms: dict[int, BomData]  # item_id -> default approved BOM
    items: dict[int, ItemData] = field(default_factory=dict)

    def blown_through(self, item_id: int) -> bool:
        bom = self.boms.get(item_id)
        if bom is None:
            return False
        item = self.items.get(item_id)
        return bom.skip_level or (item is not None and item.supply_type == PHANTOM)


class CycleFound(Exception):
    def __init__(self, path: list[int]):
        super().__init__(path)
        self.path = path


@dataclass(frozen=True, slots=True)
class MaterialRequirement:
    component_id: int
    qty_per: Decimal
    required: Decimal
    scrap_rate: Decimal
    fixed_loss: Decimal
    issue_method: str
    warehouse_id: int | None
    key_part: bool
    bom_line_id: int
    via_item_ids: tuple[int, ...] = ()


def line_requirement(line: LineData, parent_qty: Decimal, output_qty: Decimal) -> Decimal:
    return parent_qty * line.qty_per / output_qty * (ONE + line.scrap_rate) + line.fixed_loss


def flatten(graph: BomGraph, root: BomData, qty: Decimal, as_of: datetime.date | None) -> list[MaterialRequirement]:
    """Material list of one order of `qty` parents (components only, valid on `as_of`)."""
    out: list[MaterialRequirement] = []

    def walk(bom: BomData, parent_qty: Decimal, factor: Decimal, via: tuple[int, ...], path: tuple[int, ...]) -> None:
        for line in bom.lines:
            if line.line_type != COMPONENT or not line.valid_on(as_of):
                continue
            required = line_requirement(line, parent_qty, bom.output_qty)
            per = factor * line.qty_per / bom.output_qty * (ONE + line.scrap_rate)
            cid = line.component_id
            if graph.blown_through(cid):
                if cid in path:
                    raise CycleFound(list(path[path.index(cid) :]) + [cid])
                walk(graph.boms[cid], required, per, via + (cid,), path + (cid,))
                continue
            out.append(
                MaterialRequirement(
                    component_id=cid,
                    qty_per=q6(per),
                    required=q6(required),
                    scrap_rate=line.scrap_rate,
                    fixed_loss=line.fixed_loss,
                    issue_method=line.issue_method,
                    warehouse_id=line.warehouse_id,
                    key_part=line.key_part,
                    bom_line_id=line.id,
                    via_item_ids=via,
                )
            )

    walk(root, qty, ONE, (), (root.item_id,))
    return out


def _missing(item_id: int) -> ItemData:
    return ItemData(item_id)


@dataclass(slots=True)
class TreeRow:
    """One row of the indented explosion. level 0 is the root item."""

    level: int
    item_id: int
    bom_line_id: int | None
    qty_per: Decimal
    scrap_rate: Decimal
    fixed_loss: Decimal
    extended_qty: Decimal
    line_type: str = COMPONENT
    issue_method: str = ""
    key_part: bool = False
    phantom: bool = False
    skip_level: bool = False
    has_bom: bool = False
    unit_cost: Decimal = ZERO  # standard cost for leaves, rolled-up cost per unit for made items
    extended_cost: Decimal = ZERO
    path: tuple[int, ...] = ()


def explode_tree(
    graph: BomGraph, root: BomData, qty: Decimal, as_of: datetime.date | None, *, max_level: int | None = None
) -> list[TreeRow]:
    """Indented multi-level BOM with extended quantities and standard costs rolled up."""
    rows: list[TreeRow] = []
    root_row = TreeRow(
        level=0,
        item_id=root.item_id,
        bom_line_id=None,
        qty_per=ONE,
        scrap_rate=ZERO,
        fixed_loss=ZERO,
        extended_qty=qty,
        has_bom=True,
        skip_level=root.skip_level,
        phantom=graph.items.get(root.item_id, ItemData(root.item_id)).supply_type == PHANTOM,
        path=(root.item_id,),
    )
    rows.append(root_row)

    def walk(bom: BomData, parent_qty: Decimal, level: int, path: tuple[int, ...]) -> Decimal:
        total = ZERO
        for line in bom.lines:
            if line.line_type != COMPONENT or not line.valid_on(as_of):
                continue
            cid = line.component_id
            ext = line_requirement(line, parent_qty, bom.output_qty)
            item = graph.items.get(cid) or _missing(cid)
            child_bom = graph.boms.get(cid)
            row = TreeRow(
                level=level,
                item_id=cid,
                bom_line_id=line.id,
                qty_per=line.qty_per,
                scrap_rate=line.scrap_rate,
                fixed_loss=line.fixed_loss,
                extended_qty=q6(ext),
                issue_method=line.issue_method,
                key_part=line.key_part,
                phantom=item.supply_type == PHANTOM,
                skip_level=bool(child_bom and child_bom.skip_level),
                has_bom=child_bom is not None,
                path=path + (cid,),
            )
            rows.append(row)
            if child_bom is not None and (max_level is None or level < max_level):
                if cid in path:
                    raise CycleFound(list(path[path.index(cid) :]) + [cid])
                cost = walk(child_bom, ext, level + 1, path + (cid,))
            else:
                cost = ext * item.standard_cost
            row.extended_cost = cost
            row.unit_cost = (cost / ext) if ext else item.standard_cost
            total += cost
        return total

    total = walk(root, qty, 1, (root.item_id,))
    root_row.extended_cost = total
    root_row.unit_cost = (total / qty) if qty else ZERO
    return rows


def co_products(root: BomData, as_of: datetime.date | None) -> list[tuple[int, str, Decimal, Decimal | None]]:
    return [
        (line.component_id, line.line_type, line.qty_per, line.cost_share)
        for line in root.lines
        if line.line_type != COMPONENT and line.valid_on(as_of)
    ]
