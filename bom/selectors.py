"""Reads of BOMs for pages and for other apps (MRP, kitting, work orders, costing).

The explosion loads every approved BOM reachable from the root level by level, one query per
level (headers and lines together), then one query for the items; the query count depends on
the depth of the structure, never on its size. The computation itself is `bom.engine`.
"""

from __future__ import annotations

import datetime
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from erp.errors import ValidationError
from inventory.models import Item

from . import engine
from .engine import BomData, BomGraph, ItemData, LineData, MaterialRequirement
from .engine import compare as engine_compare
from .models import Bom, BomLine, Ecn, version_key
from .states import BomStatus, EcnStatus

__all__ = ["MaterialRequirement", "co_products", "default_bom", "material_list"]

MAX_LEVELS = 50

_LINE_FIELDS = (
    "id",
    "item_id",
    "version",
    "output_qty",
    "skip_level",
    "lines__id",
    "lines__line_no",
    "lines__component_id",
    "lines__qty_per",
    "lines__scrap_rate",
    "lines__fixed_loss",
    "lines__issue_method",
    "lines__issue_warehouse_id",
    "lines__key_part",
    "lines__valid_from",
    "lines__valid_to",
    "lines__line_type",
    "lines__cost_share",
)


def _bom_rows_to_data(rows) -> dict[int, BomData]:
    headers: dict[int, dict] = {}
    lines: dict[int, list[LineData]] = defaultdict(list)
    for r in rows:
        headers.setdefault(r["id"], r)
        if r["lines__id"] is not None:
            lines[r["id"]].append(
                LineData(
                    id=r["lines__id"],
                    bom_id=r["id"],
                    line_no=r["lines__line_no"],
                    component_id=r["lines__component_id"],
                    qty_per=r["lines__qty_per"],
                    scrap_rate=r["lines__scrap_rate"],
                    fixed_loss=r["lines__fixed_loss"],
                    issue_method=r["lines__issue_method"],
                    warehouse_id=r["lines__issue_warehouse_id"],
                    key_part=r["lines__key_part"],
                    valid_from=r["lines__valid_from"],
                    valid_to=r["lines__valid_to"],
                    line_type=r["lines__line_type"],
                    cost_share=r["lines__cost_share"],
                )
            )
    return {
        bid: BomData(
            id=bid,
            item_id=h["item_id"],
            version=h["version"],
            output_qty=h["output_qty"],
            skip_level=h["skip_level"],
            lines=tuple(sorted(lines[bid], key=lambda x: (x.line_no, x.id))),
        )
        for bid, h in headers.items()
    }


def _pick_defaults(boms: dict[int, BomData]) -> dict[int, BomData]:
    """Highest approved version per item."""
    out: dict[int, BomData] = {}
    for b in boms.values():
        cur = out.get(b.item_id)
        if cur is None or version_key(b.version) > version_key(cur.version):
            out[b.item_id] = b
    return out


def _items_data(ids) -> dict[int, ItemData]:
    ids = list(ids)
    if connection.vendor != "postgresql":
        qs = Item.objects.filter(pk__in=ids).values_list(
            "id", "code", "name", "supply_type", "standard_cost", "uom__code"
        )
        return {r[0]: ItemData(*r) for r in qs}
    item_t, uom_t = Item._meta.db_table, Item._meta.get_field("uom").related_model._meta.db_table
    sql = (
        f"SELECT i.id, i.code, i.name, i.supply_type, i.standard_cost, u.code FROM {item_t} i "
        f"JOIN {uom_t} u ON u.id = i.uom_id WHERE i.id = ANY(%s)"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [ids])
        return {r[0]: ItemData(*r) for r in cur.fetchall()}


def _reachable_boms_pg(seed_item_ids) -> dict[int, BomData]:
    """Every approved BOM reachable from the seed items: one recursive CTE (PostgreSQL)."""
    bom_t, line_t = Bom._meta.db_table, BomLine._meta.db_table
    sql = f"""
        WITH RECURSIVE reach(item_id) AS (
            SELECT unnest(%s::bigint[])
            UNION
            SELECT l.component_id FROM reach r
            JOIN {bom_t} b ON b.item_id = r.item_id AND b.status = %s
            JOIN {line_t} l ON l.bom_id = b.id
        )
        SELECT b.id, b.item_id, b.version, b.output_qty, b.skip_level,
               l.id, l.line_no, l.component_id, l.qty_per, l.scrap_rate, l.fixed_loss, l.issue_method,
               l.issue_warehouse_id, l.key_part, l.valid_from, l.valid_to, l.line_type, l.cost_share
        FROM {bom_t} b LEFT JOIN {line_t} l ON l.bom_id = b.id
        WHERE b.status = %s AND b.item_id IN (SELECT item_id FROM reach)
    """
    with connection.cursor() as cur:
        cur.execute(sql, [list(seed_item_ids), BomStatus.APPROVED, BomStatus.APPROVED])
        rows = cur.fetchall()
    headers: dict[int, tuple] = {}
    lines: dict[int, list[LineData]] = defaultdict(list)
    for r in rows:
        bid = r[0]
        if bid not in headers:
            headers[bid] = r
        if r[5] is not None:
            lines[bid].append(LineData(r[5], bid, r[7], r[8], *r[6:7], *r[9:]))
    return {
        bid: BomData(bid, h[1], h[2], h[3], h[4], tuple(sorted(lines[bid], key=lambda x: (x.line_no, x.id))))
        for bid, h in headers.items()
    }


@contextmanager
def _gc_paused():
    """Building tens of thousands of small objects triggers repeated full garbage-collector
    passes over the whole heap (they doubled the load time of a 10,000-line BOM); nothing
    here makes reference cycles, so collection waits until the load is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_graph(*, item_ids, bom_id: int | None = None) -> tuple[dict[int, BomData], BomGraph]:
    """Roots (item_id -> BomData) and the graph of default BOMs reachable from them.

    PostgreSQL: one recursive CTE for all BOM headers and lines, one query for the items
    (+ one for an explicit version). Other databases: one query per level.
    """
    with _gc_paused():
        return _load_graph(item_ids=item_ids, bom_id=bom_id)


def _load_graph(*, item_ids, bom_id: int | None = None) -> tuple[dict[int, BomData], BomGraph]:
    item_ids = set(item_ids)
    explicit: dict[int, BomData] = {}
    if bom_id is not None:
        explicit = {
            b.item_id: b for b in _bom_rows_to_data(Bom.objects.filter(pk=bom_id).values(*_LINE_FIELDS)).values()
        }
    if connection.vendor == "postgresql":
        seeds = set(item_ids) if not explicit else {ln.component_id for b in explicit.values() for ln in b.lines}
        defaults = _pick_defaults(_reachable_boms_pg(seeds)) if seeds else {}
        roots = explicit or {i: defaults[i] for i in item_ids if i in defaults}
        all_items = set(item_ids) | set(defaults)
        for b in list(defaults.values()) + list(roots.values()):
            all_items.update(ln.component_id for ln in b.lines)
        return roots, BomGraph(boms=defaults, items=_items_data(all_items))
    return _load_graph_levels(item_ids, explicit)


def _load_graph_levels(item_ids: set[int], explicit: dict[int, BomData]):
    if explicit:
        roots = explicit
        defaults: dict[int, BomData] = {}
    else:
        rows = Bom.objects.filter(item_id__in=item_ids, status=BomStatus.APPROVED).values(*_LINE_FIELDS)
        defaults = _pick_defaults(_bom_rows_to_data(rows))
        roots = dict(defaults)
    frontier = {ln.component_id for b in roots.values() for ln in b.lines} - set(defaults)
    loaded = set(defaults)
    for _level in range(MAX_LEVELS):
        frontier -= loaded
        if not frontier:
            break
        rows = Bom.objects.filter(item_id__in=frontier, status=BomStatus.APPROVED).values(*_LINE_FIELDS)
        level_defaults = _pick_defaults(_bom_rows_to_data(rows))
        defaults.update(level_defaults)
        loaded |= frontier
        frontier = {ln.component_id for b in level_defaults.values() for ln in b.lines}
    all_items = set(item_ids) | set(defaults)
    for b in list(defaults.values()) + list(roots.values()):
        all_items.update(ln.component_id for ln in b.lines)
    return roots, BomGraph(boms=defaults, items=_items_data(all_items))


def cycle_message(path: list[int], codes: dict[int, str] | None = None) -> str:
    if codes is None:
        codes = dict(Item.objects.filter(pk__in=set(path)).values_list("id", "code"))
    return _("BOM cycle: %(path)s") % {"path": " → ".join(codes.get(i, str(i)) for i in path)}


def _root(item_id: int, bom_id: int | None):
    roots, graph = load_graph(item_ids=[item_id], bom_id=bom_id)
    root = roots.get(item_id)
    if root is None and bom_id is not None and roots:
        root = next(iter(roots.values()))
    return root, graph


def default_bom(item_id: int) -> Bom | None:
    """The highest approved version of the item's BOM, or None."""
    boms = list(Bom.objects.filter(item_id=item_id, status=BomStatus.APPROVED))
    return max(boms, key=lambda b: version_key(b.version)) if boms else None


def default_bom_ids(item_ids) -> dict[int, int]:
    """item_id -> id of its default BOM (one query)."""
    best: dict[int, tuple] = {}
    for bid, iid, ver in Bom.objects.filter(item_id__in=list(item_ids), status=BomStatus.APPROVED).values_list(
        "id", "item_id", "version"
    ):
        if iid not in best or version_key(ver) > best[iid][0]:
            best[iid] = (version_key(ver), bid)
    return {iid: v[1] for iid, v in best.items()}


def material_list(
    *, item_id: int, qty: Decimal, as_of: datetime.date, bom_id: int | None = None
) -> list[MaterialRequirement]:
    """Flattened material list of one order of `qty` parents (phantom/skip-level blown through)."""
    root, graph = _root(item_id, bom_id)
    if root is None:
        return []
    try:
        with _gc_paused():
            return engine.flatten(graph, root, Decimal(qty), as_of)
    except engine.CycleFound as exc:
        raise ValidationError(cycle_message(exc.path), code="bom_cycle") from None


def material_lists(*, orders: list[tuple[int, Decimal, datetime.date]]) -> list[list[MaterialRequirement]]:
    """Material lists of many orders (item_id, qty, as_of) with one graph load (default BOMs)."""
    roots, graph = load_graph(item_ids={o[0] for o in orders})
    out = []
    for item_id, qty, as_of in orders:
        root = roots.get(item_id)
        out.append(engine.flatten(graph, root, Decimal(qty), as_of) if root else [])
    return out


def co_products_lists(*, orders: list[tuple[int, datetime.date]]) -> list[list]:
    """co_products of many (item_id, as_of) with one graph load (default BOMs)."""
    roots, _graph = load_graph(item_ids={o[0] for o in orders})
    return [engine.explosion.co_products(roots[i], as_of) if roots.get(i) else [] for i, as_of in orders]


def co_products(*, item_id: int, as_of: datetime.date, bom_id: int | None = None):
    """[(component_id, line_type, qty_per, cost_share)] for by-products and joint products."""
    root, _graph = _root(item_id, bom_id)
    return engine.explosion.co_products(root, as_of) if root else []


@dataclass
class Explosion:
    root: BomData | None
    rows: list
    items: dict[int, ItemData]
    co_products: list

    @property
    def max_level(self) -> int:
        return max((r.level for r in self.rows), default=0)

    @property
    def first_level(self) -> list:
        """The root's direct components (their extended costs make up the root's cost)."""
        return [r for r in self.rows if r.level == 1]


def explosion(*, item_id: int, qty: Decimal, as_of: datetime.date, bom_id: int | None = None) -> Explosion:
    """Indented multi-level explosion with extended quantities and rolled-up standard costs."""
    root, graph = _root(item_id, bom_id)
    if root is None:
        return Explosion(None, [], graph.items, [])
    try:
        with _gc_paused():
            rows = engine.explode_tree(graph, root, Decimal(qty), as_of)
    except engine.CycleFound as exc:
        raise ValidationError(cycle_message(exc.path), code="bom_cycle") from None
    return Explosion(root, rows, graph.items, engine.explosion.co_products(root, as_of))


# --- where-used ------------------------------------------------------------------------------


@dataclass
class WhereUsedRow:
    level: int
    parent_id: int
    component_id: int
    bom_id: int
    version: str
    is_default: bool
    qty_per: Decimal
    output_qty: Decimal
    line_type: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


def where_used(*, item_id: int, multi_level: bool = False, max_levels: int = MAX_LEVELS):
    """Parents using the item in an approved BOM (one query per level). Returns (rows, items)."""
    rows: list[WhereUsedRow] = []
    frontier = {item_id}
    seen = {item_id}
    children_of: dict[int, list[WhereUsedRow]] = defaultdict(list)
    level = 1
    while frontier and level <= max_levels:
        found = list(
            BomLine.objects.filter(component_id__in=frontier, bom__status=BomStatus.APPROVED).values(
                "component_id",
                "qty_per",
                "line_type",
                "valid_from",
                "valid_to",
                "bom_id",
                "bom__item_id",
                "bom__version",
                "bom__output_qty",
            )
        )
        defaults = default_bom_ids({r["bom__item_id"] for r in found}) if found else {}
        nxt = set()
        for r in found:
            row = WhereUsedRow(
                level=level,
                parent_id=r["bom__item_id"],
                component_id=r["component_id"],
                bom_id=r["bom_id"],
                version=r["bom__version"],
                is_default=defaults.get(r["bom__item_id"]) == r["bom_id"],
                qty_per=r["qty_per"],
                output_qty=r["bom__output_qty"],
                line_type=r["line_type"],
                valid_from=r["valid_from"],
                valid_to=r["valid_to"],
            )
            children_of[r["component_id"]].append(row)
            if r["bom__item_id"] not in seen:
                seen.add(r["bom__item_id"])
                nxt.add(r["bom__item_id"])
        if not multi_level:
            break
        frontier = nxt
        level += 1

    # depth-first order for an indented display
    def emit(component_id, depth, path):
        for row in sorted(children_of.get(component_id, []), key=lambda r: (r.parent_id, r.bom_id)):
            row.level = depth
            rows.append(row)
            if multi_level and row.parent_id not in path:
                emit(row.parent_id, depth + 1, path | {row.parent_id})

    emit(item_id, 1, {item_id})
    items = {i.pk: i for i in Item.objects.filter(pk__in={r.parent_id for r in rows} | {item_id}).select_related("uom")}
    return rows, items


# --- pages -----------------------------------------------------------------------------------


def ecn_list():
    return Ecn.objects.select_related("item", "base_bom", "new_bom").order_by("-number")


def bom_list():
    """The BOM list: every version with its item and its number of lines, by item number.

    The line count is a correlated subquery, not `Count("lines")`: a GROUP BY over the join
    with every line made PostgreSQL hash all 50,000 items and aggregate every BOM before it
    could sort and keep 25 rows (and made the paginator's count aggregate too). Now the page
    walks the item-number index, stops after one page, and counts the lines of those rows only
    (PostgreSQL evaluates the subquery after ORDER BY ... LIMIT); the paginator's count is a
    plain COUNT(*) of BOMs (Django leaves the unused annotation out)."""
    lines = BomLine.objects.filter(bom=OuterRef("pk")).order_by().values("bom").annotate(n=Count("pk")).values("n")
    return (
        Bom.objects.select_related("item", "item__uom")
        .annotate(line_count=Coalesce(Subquery(lines, output_field=IntegerField()), 0))
        .order_by("item__code", "version")
    )


def bom_with_lines(bom_id: int) -> Bom:
    return (
        Bom.objects.select_related("item", "item__uom", "created_by", "approved_by", "ecn")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=BomLine.objects.select_related("component", "component__uom", "issue_warehouse").order_by(
                    "line_no", "id"
                ),
            )
        )
        .get(pk=bom_id)
    )


def bom_line_data(bom: Bom) -> list[LineData]:
    return [
        LineData(
            id=ln.id,
            bom_id=bom.id,
            line_no=ln.line_no,
            component_id=ln.component_id,
            qty_per=ln.qty_per,
            scrap_rate=ln.scrap_rate,
            fixed_loss=ln.fixed_loss,
            issue_method=ln.issue_method,
            warehouse_id=ln.issue_warehouse_id,
            key_part=ln.key_part,
            valid_from=ln.valid_from,
            valid_to=ln.valid_to,
            line_type=ln.line_type,
            cost_share=ln.cost_share,
        )
        for ln in bom.lines.all()
    ]


@dataclass
class BomPage:
    bom: Bom
    lines: list[BomLine]
    versions: list[dict]  # every version of the item: id, version, status_label (oldest first)


def bom_page(bom_id: int) -> BomPage:
    """The BOM editor: header, lines with their items, the item's versions (3 queries)."""
    bom = bom_with_lines(bom_id)
    versions = [
        {"id": v["id"], "version": v["version"], "status_label": BomStatus(v["status"]).label}
        for v in Bom.objects.filter(item_id=bom.item_id).order_by("id").values("id", "version", "status")
    ]
    return BomPage(bom=bom, lines=list(bom.lines.all()), versions=versions)


@dataclass
class Comparison:
    old: Bom
    new: Bom
    rows: list  # (LineDiff, Item, changed field labels joined)
    summary: dict[str, int]  # added / removed / changed / same -> number of components


def compare_versions(*, old_bom_id: int, new_bom_id: int) -> Comparison:
    old, new = bom_with_lines(old_bom_id), bom_with_lines(new_bom_id)
    diffs = engine.compare_lines(bom_line_data(old), bom_line_data(new))
    items = Item.objects.in_bulk({d.component_id for d in diffs})
    labels = {
        f: BomLine._meta.get_field("issue_warehouse" if f == "warehouse_id" else f).verbose_name
        for f in engine_compare.COMPARED
    }
    rows = [(d, items.get(d.component_id), ", ".join(str(labels[f]) for f in d.fields)) for d in diffs]
    summary = {k: sum(1 for d in diffs if d.kind == k) for k in ("added", "removed", "changed", "same")}
    return Comparison(old=old, new=new, rows=rows, summary=summary)


def ecn_replaced_items(item_ids) -> dict[int, list[str]]:
    """Old components removed or replaced by an approved ECN: item_id -> [ECN numbers]."""
    from .models import ChangeAction, EcnLine

    out: dict[int, list[str]] = defaultdict(list)
    for iid, number in EcnLine.objects.filter(
        old_component_id__in=list(item_ids),
        ecn__status=EcnStatus.APPROVED,
        action__in=[ChangeAction.REMOVE, ChangeAction.REPLACE],
    ).values_list("old_component_id", "ecn__number"):
        out[iid].append(number)
    return out


def ecn_with_lines(ecn_id: int) -> Ecn:
    return (
        Ecn.objects.select_related("item", "base_bom", "new_bom", "created_by", "confirmed_by")
        .prefetch_related("lines__old_component", "lines__new_component")
        .get(pk=ecn_id)
    )


# --- ECN impact ------------------------------------------------------------------------------


@dataclass
class ComponentImpact:
    item: Item
    action: str
    on_hand: Decimal
    open_po_qty: Decimal
    dead_stock_risk: bool

    @property
    def action_label(self) -> str:
        from .models import ChangeAction

        return str(ChangeAction(self.action).label)


@dataclass
class EcnImpact:
    orders: list  # open work / outsourcing orders making the parent (they use the old lines)
    purchase_orders: list  # open purchase orders of the old components
    components: list[ComponentImpact]


def ecn_impact(ecn: Ecn) -> EcnImpact:
    """Open orders using the old lines, the old parts' stock and open POs (bulk reads)."""
    from inventory.selectors import on_hand_by_item

    from . import impact
    from .models import ChangeAction, StockHandling

    changes = [ln for ln in ecn.lines.all() if ln.old_component_id]
    old_ids = list(dict.fromkeys(ln.old_component_id for ln in changes))
    rows = impact.collect([ecn.item_id, *old_ids])
    orders = [r for r in rows if r.kind != impact.PURCHASE_ORDER and r.item_id == ecn.item_id]
    pos = [r for r in rows if r.kind == impact.PURCHASE_ORDER and r.item_id in old_ids]
    stock = on_hand_by_item(old_ids)
    po_qty: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    for r in pos:
        po_qty[r.item_id] += r.qty
    items = Item.objects.select_related("uom").in_bulk(old_ids)
    comps = []
    for ln in changes:
        on_hand = stock.get(ln.old_component_id, Decimal("0"))
        risky = (
            ecn.stock_handling == StockHandling.SWITCH_NOW
            and ln.action in (ChangeAction.REMOVE, ChangeAction.REPLACE)
            and (on_hand > 0 or po_qty[ln.old_component_id] > 0)
        )
        comps.append(
            ComponentImpact(items[ln.old_component_id], ln.action, on_hand, po_qty[ln.old_component_id], risky)
        )
    return EcnImpact(orders=orders, purchase_orders=pos, components=comps)


def item_hints(item_ids) -> dict[int, list[str]]:
    """Dead-stock hints: 'used by no approved BOM', 'replaced by ECN …' (two queries)."""
    item_ids = list(item_ids)
    used = set(
        BomLine.objects.filter(component_id__in=item_ids, bom__status=BomStatus.APPROVED).values_list(
            "component_id", flat=True
        )
    ) | set(Bom.objects.filter(item_id__in=item_ids, status=BomStatus.APPROVED).values_list("item_id", flat=True))
    out: dict[int, list[str]] = defaultdict(list)
    for iid in item_ids:
        if iid not in used:
            out[iid].append(_("used by no approved BOM"))
    for iid, numbers in ecn_replaced_items(item_ids).items():
        out[iid].append(_("replaced by ECN %(numbers)s") % {"numbers": ", ".join(numbers)})
    return dict(out)


def dashboard_cards(user) -> list[dict]:
    """Drafts waiting for approval and open ECNs (two counts)."""
    from django.urls import reverse

    drafts = Bom.objects.filter(status=BomStatus.DRAFT).count()
    ecns = Ecn.objects.filter(status=EcnStatus.DRAFT).count()
    return [
        {"title": _("BOM drafts to approve"), "value": drafts, "url": reverse("bom:bom_list") + "?status=draft"},
        {"title": _("ECNs to approve"), "value": ecns, "url": reverse("bom:ecn_list") + "?status=draft"},
    ]
