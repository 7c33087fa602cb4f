"""Kitting analysis (齐套分析) and shortage analysis (足缺料分析): gather the data in bulk (a fixed
number of queries, whatever the number of orders), run the pure engines (mrp/engine/kitting.py,
mrp/engine/shortage.py), write the kitting result back on the work orders, and turn selected
shortages into purchase requisitions that keep their source (按源单生成采购申请).

Rules: docs/mrp.md "Kitting analysis" and "Shortage analysis"; the pages, the commands
(`kitting_analysis`, `shortage_analysis`) and the Celery task all call these functions.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bom import engine as bom_engine
from bom.selectors import load_graph
from crm.models import SalesOrderLine
from erp.dispatch import send_on_commit
from erp.errors import ValidationError
from erp.fields import ZERO
from erp.types import User
from inventory.models import Item
from inventory.selectors import on_hand_by_item
from procurement.models import OutsourcingMaterial, OutsourcingOrder, PurchaseOrderLine, Requisition
from procurement.services.requisitions import requisition_create_from_sources
from production.models import WorkOrder, WorkOrderMaterial
from production.services.work_orders import work_order_kitting_record

from ..engine import kitting as kit_eng
from ..engine import shortage as short_eng

DEMANDS = ("work_orders", "sales_orders", "items")
SCOPES = ("all", "no_backflush", "key_parts")
PRIORITIES = ("start", "finish", "manual")
LEVELS = ("first", "lowest")
BASES = ("short", "net_short")
WO_SOURCE = "production.workorder"
OO_SOURCE = "procurement.outsourcingorder"
ASYNC_THRESHOLD = 500  # over this many demands the page runs the analysis in Celery


# --- kitting -------------------------------------------------------------------------------------


@dataclass(slots=True)
class KitRowOut:
    component_id: int
    component_code: str
    component_name: str
    required: Decimal
    available_before: Decimal
    allocated: Decimal
    short: Decimal
    left_after: Decimal
    depth: int


@dataclass(slots=True)
class KitDemandOut:
    kind: str  # "wo", "so", "item"
    id: int  # work order / sales-order line id, or the index of a typed line
    label: str  # wo_no, order_no/line_no, or the item code typed in
    item_id: int
    item_code: str
    item_name: str
    qty: Decimal
    start: datetime.date | None
    finish: datetime.date | None
    kittable: Decimal = ZERO
    status: str = ""
    rows: list[KitRowOut] = field(default_factory=list)
    selected: bool = False  # ticked on the page (its selection)


@dataclass(slots=True)
class KittingReport:
    on_date: datetime.date
    options: dict
    demands: list[KitDemandOut]
    analysed_at: datetime.datetime

    @property
    def counts(self) -> dict[str, int]:
        out = {kit_eng.COMPLETE: 0, kit_eng.PARTIAL: 0, kit_eng.SHORT: 0}
        for d in self.demands:
            out[d.status] = out.get(d.status, 0) + 1
        return out


@dataclass(frozen=True, slots=True)
class _Comp:
    item_id: int
    per: Decimal
    required: Decimal
    covered: Decimal
    issue_method: str
    key_part: bool


def _in_scope(scope: str, issue_method: str, key_part: bool) -> bool:
    if scope == "no_backflush":
        return issue_method != "backflush"
    if scope == "key_parts":
        return key_part
    return True


def _check_choice(value: str, allowed: tuple[str, ...], label: str) -> None:
    if value not in allowed:
        raise ValidationError(
            _("%(label)s must be one of %(allowed)s.") % {"label": label, "allowed": ", ".join(allowed)},
            code="bad_option",
        )


def _bom_components(graph, root, qty: Decimal, as_of: datetime.date, multi_level: bool) -> list[_Comp]:
    """Components of `qty` parents from the default BOM: blown through phantoms (multi-level) or
    the BOM's own lines as listed (single level)."""
    if root is None:
        return []
    if multi_level:
        return [
            _Comp(r.component_id, r.qty_per, r.required, ZERO, r.issue_method, r.key_part)
            for r in bom_engine.flatten(graph, root, qty, as_of)
        ]
    out = []
    for line in root.lines:
        if line.line_type != "component" or not line.valid_on(as_of):
            continue
        per = line.qty_per / root.output_qty * (1 + line.scrap_rate)
        out.append(
            _Comp(
                line.component_id,
                per,
                bom_engine.explosion.line_requirement(line, qty, root.output_qty),
                ZERO,
                line.issue_method,
                line.key_part,
            )
        )
    return out


def _work_order_demands(ids, as_of: datetime.date) -> tuple[list[KitDemandOut], dict[int, list[_Comp]]]:
    qs = WorkOrder.objects.open().with_open_qty().filter(open_qty__gt=0)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    orders = list(
        qs.values("id", "number", "item_id", "item__code", "item__name", "open_qty", "planned_start", "planned_finish")
    )
    mats = WorkOrderMaterial.objects.components().with_remaining()
    mats = mats.filter(work_order__in=qs.values("pk")) if ids is None else mats.filter(work_order_id__in=list(ids))
    comps: dict[int, list[_Comp]] = defaultdict(list)
    open_by_id = {o["id"]: o["open_qty"] for o in orders}
    for m in mats.values(
        "work_order_id", "component_id", "qty_per", "remaining", "issue_method", "key_part", "line_no"
    ).order_by("work_order_id", "line_no"):
        wo_open = open_by_id.get(m["work_order_id"])
        if wo_open is None:
            continue
        covered = max(wo_open * m["qty_per"] - m["remaining"], ZERO)
        comps[m["work_order_id"]].append(
            _Comp(m["component_id"], m["qty_per"], m["remaining"], covered, m["issue_method"], m["key_part"])
        )
    without = [o for o in orders if o["id"] not in comps]
    if without:  # planned orders (no material list yet): the BOM valid at their start
        roots, graph = load_graph(item_ids={o["item_id"] for o in without})
        for o in without:
            comps[o["id"]] = _bom_components(
                graph, roots.get(o["item_id"]), o["open_qty"], o["planned_start"] or as_of, True
            )
    demands = [
        KitDemandOut(
            kind="wo",
            id=o["id"],
            label=o["number"],
            item_id=o["item_id"],
            item_code=o["item__code"],
            item_name=o["item__name"],
            qty=o["open_qty"],
            start=o["planned_start"],
            finish=o["planned_finish"],
        )
        for o in orders
    ]
    return demands, comps


def _sales_line_demands(ids, as_of, multi_level) -> tuple[list[KitDemandOut], dict[int, list[_Comp]]]:
    qs = SalesOrderLine.objects.open().open_qty()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    lines = list(
        qs.values("id", "order__number", "line_no", "item_id", "item__code", "item__name", "open_qty", "due_date")
    )
    roots, graph = load_graph(item_ids={ln["item_id"] for ln in lines}) if lines else ({}, None)
    demands, comps = [], {}
    for ln in lines:
        demands.append(
            KitDemandOut(
                kind="so",
                id=ln["id"],
                label=f"{ln['order__number']}/{ln['line_no']}",
                item_id=ln["item_id"],
                item_code=ln["item__code"],
                item_name=ln["item__name"],
                qty=ln["open_qty"],
                start=ln["due_date"],
                finish=ln["due_date"],
            )
        )
        comps[ln["id"]] = _bom_components(graph, roots.get(ln["item_id"]), ln["open_qty"], as_of, multi_level)
    return demands, comps


def _typed_demands(typed, as_of, multi_level) -> tuple[list[KitDemandOut], dict[int, list[_Comp]]]:
    items = Item.objects.in_bulk({item_id for item_id, _q in typed})
    roots, graph = load_graph(item_ids=set(items)) if items else ({}, None)
    demands, comps = [], {}
    for i, (item_id, qty) in enumerate(typed):
        item = items.get(item_id)
        if item is None:
            raise ValidationError(_("Unknown item."), code="unknown_item")
        demands.append(
            KitDemandOut(
                kind="item",
                id=i,
                label=item.code,
                item_id=item.pk,
                item_code=item.code,
                item_name=item.name,
                qty=qty,
                start=None,
                finish=None,
            )
        )
        comps[i] = _bom_components(graph, roots.get(item.pk), qty, as_of, multi_level)
    return demands, comps


def _receipts_until(item_ids: set[int], until: datetime.date) -> dict[int, Decimal]:
    """Scheduled receipts due on or before `until`: open PO lines, open work orders (their 未入库)
    and open outsourcing orders (three queries)."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    ids = list(item_ids)
    for item_id, q in (
        PurchaseOrderLine.objects.open().filter(item_id__in=ids, due_date__lte=until).values_list("item_id", "open_qty")
    ):
        out[item_id] += q
    for item_id, q in (
        WorkOrder.objects.open()
        .with_open_qty()
        .filter(item_id__in=ids, planned_finish__lte=until, open_qty__gt=0)
        .values_list("item_id", "open_qty")
    ):
        out[item_id] += q
    for item_id, q in (
        OutsourcingOrder.objects.open().filter(item_id__in=ids, due_date__lte=until).values_list("item_id", "open_qty")
    ):
        out[item_id] += q
    return out


def _explode_map(item_ids: set[int], as_of: datetime.date, scope: str) -> dict[int, list[kit_eng.KitChild]]:
    """Level 'lowest': every reachable item with its own BOM -> its children per one unit."""
    if not item_ids:
        return {}
    _roots, graph = load_graph(item_ids=item_ids)
    out = {}
    for item_id, bom in graph.boms.items():
        children = [
            kit_eng.KitChild(r.component_id, r.qty_per)
            for r in bom_engine.flatten(graph, bom, Decimal(1), as_of)
            if _in_scope(scope, r.issue_method, r.key_part)
        ]
        if children:
            out[item_id] = children
    return out


def kitting_analyse(
    *,
    on_date: datetime.date,
    demands: str = "work_orders",
    ids: list[int] | None = None,
    typed: list[tuple[int, Decimal]] | None = None,
    receipts_until: datetime.date | None = None,
    scope: str = "all",
    priority: str = "start",
    level: str = "first",
    multi_level: bool = True,
    manual_order: list[int] | None = None,
    write_back: bool = True,
) -> KittingReport:
    """Kitting analysis of the selected demands (all open ones of the kind when `ids` is None).

    Work orders: the open quantity (未入库) of released/started/planned orders, components from
    the material list (what is still to issue; planned orders: the BOM valid at their start).
    Sales-order lines: their open quantity, components from the item's default BOM. Typed:
    (item id, quantity) pairs. Priority: planned start / planned finish (a sales-order line's due
    date) / `manual_order` (ids in the order given, the rest after by start), ties by number."""
    _check_choice(demands, DEMANDS, "--demands")
    _check_choice(scope, SCOPES, "--scope")
    _check_choice(priority, PRIORITIES, "--priority")
    _check_choice(level, LEVELS, "--level")
    if demands == "work_orders":
        rows, comps = _work_order_demands(ids, on_date)
    elif demands == "sales_orders":
        rows, comps = _sales_line_demands(ids, on_date, multi_level)
    else:
        rows, comps = _typed_demands(typed or [], on_date, multi_level)

    far = datetime.date.max

    def number_key(d: KitDemandOut):
        if d.kind == "so":
            number, _slash, line = d.label.rpartition("/")
            return (number, int(line))
        return (d.label, 0)

    if demands == "items":
        rows.sort(key=lambda d: d.id)  # in the order typed
    elif priority == "manual":
        rank = {pk: i for i, pk in enumerate(manual_order or [])}
        rows.sort(key=lambda d: (rank.get(d.id, len(rank)), d.start or far, number_key(d)))
    elif priority == "finish":
        rows.sort(key=lambda d: (d.finish or far, number_key(d)))
    else:
        rows.sort(key=lambda d: (d.start or far, number_key(d)))

    scoped = {d.id: [c for c in comps.get(d.id, []) if _in_scope(scope, c.issue_method, c.key_part)] for d in rows}
    item_ids = {c.item_id for cs in scoped.values() for c in cs}
    explode = _explode_map(item_ids, on_date, scope) if level == "lowest" else {}
    all_ids = item_ids | {ch.item_id for chs in explode.values() for ch in chs}
    stock: dict[int, Decimal] = dict(on_hand_by_item(all_ids, nettable_only=True)) if all_ids else {}
    if receipts_until is not None and all_ids:
        for item_id, q in _receipts_until(all_ids, receipts_until).items():
            stock[item_id] = stock.get(item_id, ZERO) + q
    results = kit_eng.analyse(
        [
            kit_eng.KitDemand(
                key=d.id,
                qty=d.qty,
                components=tuple(kit_eng.KitComponent(c.item_id, c.per, c.required, c.covered) for c in scoped[d.id]),
            )
            for d in rows
        ],
        stock,
        explode=explode,
    )
    items = {r["id"]: r for r in Item.objects.filter(pk__in=all_ids).values("id", "code", "name")} if all_ids else {}
    for d, res in zip(rows, results, strict=True):
        d.kittable, d.status = res.kittable, res.status
        d.rows = sorted(
            (
                KitRowOut(
                    r.item_id,
                    items[r.item_id]["code"],
                    items[r.item_id]["name"],
                    r.required,
                    r.available_before,
                    r.allocated,
                    r.short,
                    r.left_after,
                    r.depth,
                )
                for r in res.rows
            ),
            key=lambda r: r.component_code,
        )
    report = KittingReport(
        on_date=on_date,
        options={
            "demands": demands,
            "receipts_until": receipts_until,
            "scope": scope,
            "priority": priority,
            "level": level,
            "multi_level": multi_level,
        },
        demands=rows,
        analysed_at=timezone.now(),
    )
    if write_back and demands == "work_orders" and rows:
        work_order_kitting_record(results={d.id: (d.status, d.kittable) for d in rows}, at=report.analysed_at)
    return report


def kitting_csv_rows(report: KittingReport) -> list[list]:
    """The rows of the `kitting_analysis --export` file (docs/exchange.md), numbers as Decimals."""
    out = []
    for d in report.demands:
        for r in d.rows:
            out.append(
                [
                    d.label,
                    d.item_code,
                    d.qty,
                    d.kittable,
                    d.status,
                    r.component_code,
                    r.required,
                    r.available_before,
                    r.allocated,
                    r.short,
                    r.left_after,
                ]
            )
    return out


KITTING_COLUMNS = [
    "demand",
    "item_code",
    "demand_qty",
    "kittable_sets",
    "status",
    "component_code",
    "required",
    "available_before",
    "allocated",
    "short",
    "left_after",
]


# --- shortage ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ShortRowOut:
    kind: str  # "wo" / "oo"
    order_id: int
    order_no: str
    item_id: int
    item_code: str
    start: datetime.date
    planner_id: int | None
    line_id: int | None  # material line (None: from the BOM of a planned order)
    component_id: int
    component_code: str
    component_name: str
    supplier_id: int | None
    required: Decimal
    issued: Decimal
    outstanding: Decimal
    allocated: Decimal
    short: Decimal
    receipts_before_start: Decimal
    net_short: Decimal
    requisitions: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The id of the row in a selection: kind:order:line-or-component."""
        return (
            f"{self.kind}:{self.order_id}:{self.line_id if self.line_id is not None else 'c' + str(self.component_id)}"
        )


@dataclass(slots=True)
class ShortageReport:
    on_date: datetime.date
    include_outsourcing: bool
    rows: list[ShortRowOut]
    analysed_at: datetime.datetime

    @property
    def orders(self) -> int:
        return len({(r.kind, r.order_id) for r in self.rows})


SHORTAGE_COLUMNS = [
    "order_no",
    "item_code",
    "component_code",
    "required",
    "issued",
    "outstanding",
    "allocated",
    "short",
    "receipts_before_start",
    "net_short",
]


def _shortage_orders(include_outsourcing: bool) -> tuple[list[dict], dict[tuple, list[dict]]]:
    """Open work orders (and confirmed outsourcing orders) with their material lines, in bulk."""
    wos = list(WorkOrder.objects.open().values("id", "number", "item_id", "qty", "planned_start", "planner_id"))
    orders = [
        {"kind": "wo", "id": o["id"], "number": o["number"], "item_id": o["item_id"], "qty": o["qty"],
         "start": o["planned_start"], "planner_id": o["planner_id"]}
        for o in wos
    ]  # fmt: skip
    lines: dict[tuple, list[dict]] = defaultdict(list)
    for m in (
        WorkOrderMaterial.objects.components()
        .filter(work_order__in=WorkOrder.objects.open())
        .with_remaining()
        .values("id", "work_order_id", "component_id", "required", "net_issued", "line_no")
        .order_by("work_order_id", "line_no")
    ):
        lines[("wo", m["work_order_id"])].append(
            {"id": m["id"], "component_id": m["component_id"], "required": m["required"], "issued": m["net_issued"]}
        )
    if include_outsourcing:
        for o in OutsourcingOrder.objects.confirmed().values("id", "number", "item_id", "qty", "start_date"):
            orders.append(
                {"kind": "oo", "id": o["id"], "number": o["number"], "item_id": o["item_id"], "qty": o["qty"],
                 "start": o["start_date"], "planner_id": None}
            )  # fmt: skip
        for m in (
            OutsourcingMaterial.objects.of_confirmed_orders()
            .with_net_issued()
            .values("id", "order_id", "component_id", "required_qty", "net_issued_qty", "line_no")
            .order_by("order_id", "line_no")
        ):
            lines[("oo", m["order_id"])].append(
                {"id": m["id"], "component_id": m["component_id"], "required": m["required_qty"],
                 "issued": m["net_issued_qty"]}
            )  # fmt: skip
    without = [o for o in orders if (o["kind"], o["id"]) not in lines]
    if without:  # no material list (planned, imported without one): the BOM at the start date
        roots, graph = load_graph(item_ids={o["item_id"] for o in without})
        for o in without:
            root = roots.get(o["item_id"])
            if root is None:
                continue
            for r in bom_engine.flatten(graph, root, o["qty"], o["start"]):
                lines[(o["kind"], o["id"])].append(
                    {"id": None, "component_id": r.component_id, "required": r.required, "issued": ZERO}
                )
    return orders, lines


def shortage_analyse(*, on_date: datetime.date, include_outsourcing: bool = False) -> ShortageReport:
    """Shortage analysis of every open work order (and outsourcing order): see the module doc."""
    orders, lines = _shortage_orders(include_outsourcing)
    orders.sort(key=lambda o: (o["start"], o["number"]))
    comp_ids = {ln["component_id"] for ls in lines.values() for ln in ls}
    stock = dict(on_hand_by_item(comp_ids, nettable_only=True)) if comp_ids else {}
    receipts = []
    if comp_ids:
        ids = list(comp_ids)
        receipts = [
            short_eng.ScheduledReceipt(i, d, q)
            for i, d, q in PurchaseOrderLine.objects.open()
            .filter(item_id__in=ids)
            .values_list("item_id", "due_date", "open_qty")
        ]
        receipts += [
            short_eng.ScheduledReceipt(i, d, q)
            for i, d, q in OutsourcingOrder.objects.open()
            .filter(item_id__in=ids)
            .values_list("item_id", "due_date", "open_qty")
        ]
    eng_orders = [
        short_eng.ShortageOrder(
            key=(o["kind"], o["id"]),
            start=o["start"],
            lines=tuple(
                short_eng.ShortageLine(ln["id"], ln["component_id"], ln["required"], ln["issued"])
                for ln in lines.get((o["kind"], o["id"]), [])
            ),
        )
        for o in orders
    ]
    result = short_eng.analyse(eng_orders, stock, receipts)
    by_key: dict[object, dict] = {(o["kind"], o["id"]): o for o in orders}
    item_ids = comp_ids | {o["item_id"] for o in orders}
    items = (
        {r["id"]: r for r in Item.objects.filter(pk__in=item_ids).values("id", "code", "name", "default_supplier_id")}
        if item_ids
        else {}
    )
    rows = []
    for r in result:
        o = by_key[r.order_key]
        comp = items[r.component_id]
        rows.append(
            ShortRowOut(
                kind=o["kind"],
                order_id=o["id"],
                order_no=o["number"],
                item_id=o["item_id"],
                item_code=items[o["item_id"]]["code"],
                start=o["start"],
                planner_id=o["planner_id"],
                line_id=r.line_key if isinstance(r.line_key, int) else None,
                component_id=r.component_id,
                component_code=comp["code"],
                component_name=comp["name"],
                supplier_id=comp["default_supplier_id"],
                required=r.required,
                issued=r.issued,
                outstanding=r.outstanding,
                allocated=r.allocated,
                short=r.short,
                receipts_before_start=r.receipts_before_start,
                net_short=r.net_short,
            )
        )
    # priority order (kept from the engine), then component code within an order
    pos = {k: i for i, k in enumerate(dict.fromkeys((r.kind, r.order_id) for r in rows))}
    rows.sort(key=lambda r: (pos[(r.kind, r.order_id)], r.component_code, r.line_id or 0))
    return ShortageReport(
        on_date=on_date, include_outsourcing=include_outsourcing, rows=rows, analysed_at=timezone.now()
    )


def shortage_csv_rows(report: ShortageReport) -> list[list]:
    return [
        [
            r.order_no,
            r.item_code,
            r.component_code,
            r.required,
            r.issued,
            r.outstanding,
            r.allocated,
            r.short,
            r.receipts_before_start,
            r.net_short,
        ]
        for r in report.rows
    ]


def shortage_filter(
    rows: list[ShortRowOut],
    *,
    start_from: datetime.date | None = None,
    start_to: datetime.date | None = None,
    item_id: int | None = None,
    planner_id: int | None = None,
    order_ids: set[tuple[str, int]] | None = None,
    only_short: bool = False,
) -> list[ShortRowOut]:
    """Narrow the displayed rows; the allocation itself always runs over all open orders."""
    out = []
    for r in rows:
        if start_from and r.start < start_from:
            continue
        if start_to and r.start > start_to:
            continue
        if item_id and item_id not in (r.item_id, r.component_id):
            continue
        if planner_id and r.planner_id != planner_id:
            continue
        if order_ids is not None and (r.kind, r.order_id) not in order_ids:
            continue
        if only_short and r.short <= 0:
            continue
        out.append(r)
    return out


def attach_requisitions(rows: list[ShortRowOut]) -> None:
    """Set `.requisitions` (numbers of live requisitions made from each row's source), 2 queries."""
    from procurement.services.requisitions import requisition_sources_of

    for kind, source_type in (("wo", WO_SOURCE), ("oo", OO_SOURCE)):
        ids = {r.order_id for r in rows if r.kind == kind}
        if not ids:
            continue
        links = requisition_sources_of(source_type=source_type, source_ids=ids)
        for r in rows:
            if r.kind != kind:
                continue
            r.requisitions = sorted(
                {
                    ln["number"]
                    for ln in links.get(r.order_id, [])
                    if ln["source_line"] == _source_line(r) and ln["item"].pk == r.component_id
                }
            )


def work_order_requisitions(work_order_ids) -> dict[int, list[dict]]:
    """The live requisitions made from these work orders (provider for production's pages)."""
    from procurement.services.requisitions import requisition_sources_of

    return requisition_sources_of(source_type=WO_SOURCE, source_ids=work_order_ids)


def _source_line(r: ShortRowOut) -> int | None:
    return r.line_id


@transaction.atomic
def shortage_requisition_create(
    *,
    on_date: datetime.date,
    keys: list[str],
    basis: str = "short",
    merge: bool = False,
    include_outsourcing: bool = True,
    user: User | None = None,
) -> Requisition:
    """按源单生成采购申请: one requisition with a line per selected shortage (quantity short or net
    short, need date = the order's start), each keeping its source order and line; `merge` makes
    one line per item and supplier with all the source links kept. Rows with nothing to request
    under the chosen basis are refused; a line already requested is refused naming the requisition."""
    _check_choice(basis, BASES, _("Quantity"))
    if not keys:
        raise ValidationError(_("Select at least one shortage line."), code="no_lines")
    report = shortage_analyse(on_date=on_date, include_outsourcing=include_outsourcing)
    by_key = {r.key: r for r in report.rows}
    sources = []
    for key in dict.fromkeys(keys):
        r = by_key.get(key)
        if r is None:
            raise ValidationError(_("That shortage line is no longer open."), code="unknown_line")
        qty = r.short if basis == "short" else r.net_short
        if qty <= 0:
            raise ValidationError(
                _("%(order)s / %(item)s has nothing short to request.")
                % {"order": r.order_no, "item": r.component_code},
                code="nothing_short",
            )
        sources.append(
            {
                "item_id": r.component_id,
                "qty": qty,
                "need_date": r.start,
                "supplier_id": r.supplier_id,
                "source_type": WO_SOURCE if r.kind == "wo" else OO_SOURCE,
                "source_id": r.order_id,
                "source_line": r.line_id,
                "source_number": f"{r.order_no} / {r.component_code}",
            }
        )
    return requisition_create_from_sources(sources=sources, request_date=on_date, user=user, merge=merge)


# --- background runs (over ASYNC_THRESHOLD work orders) -------------------------------------------


def _options_to_json(options: dict) -> dict:
    out: dict[str, object] = {}
    for k, v in options.items():
        if isinstance(v, datetime.date):
            out[k] = v.isoformat()
        elif k == "typed" and v:
            out[k] = [[i, str(q)] for i, q in v]
        else:
            out[k] = v
    return out


def _options_from_json(data: dict) -> dict:
    out = dict(data)
    for k in ("on_date", "receipts_until"):
        if out.get(k):
            out[k] = datetime.date.fromisoformat(out[k])
    if out.get("typed"):
        out["typed"] = [(i, Decimal(q)) for i, q in out["typed"]]
    return out


def kitting_run_start(*, options: dict, user: User | None = None):
    """Queue a kitting analysis with write-back in Celery; one active run at a time (a second
    request is refused with a clear message, never queued twice)."""
    from django.db import IntegrityError

    from erp.errors import ConcurrencyError

    from ..models import KittingRun
    from ..tasks_analysis import kitting_run_execute as task

    try:
        with transaction.atomic():
            run = KittingRun.objects.create(
                options=_options_to_json(options), created_by=user if getattr(user, "pk", None) else None
            )
    except IntegrityError:
        raise ConcurrencyError(
            _("A kitting analysis is already queued or running: wait for it to finish."), code="kitting_active"
        ) from None
    send_on_commit(task, run.pk)  # broker down: the run stays queued for erp.requeue
    return run


def queued_kitting_runs(before):
    """Requeue provider (erp/requeue.py): kitting runs still queued, created before `before`."""
    from ..models import KittingRun
    from ..states import RunStatus

    for pk in (
        KittingRun.objects.filter(status=RunStatus.QUEUED, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        yield (pk,)


def kitting_run_execute(*, run_id: int):
    """Take a queued run (queued → running), analyse with write-back, record counts (done/failed)."""
    import time

    from ..models import KittingRun
    from ..states import RUN_FLOW, RunStatus

    with transaction.atomic():
        run = KittingRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.QUEUED:
            return run  # a redelivered task: already taken
        RUN_FLOW.apply(run, RunStatus.RUNNING)
        run.progress = 10
        run.save(update_fields=["status", "progress"])
    t0 = time.perf_counter()
    try:
        with transaction.atomic():
            report = kitting_analyse(**_options_from_json(run.options), write_back=True)
    except Exception as exc:
        RUN_FLOW.apply(run, RunStatus.FAILED)
        run.message = str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        return run
    c = report.counts
    RUN_FLOW.apply(run, RunStatus.DONE)
    run.progress = 100
    run.demand_count = len(report.demands)
    run.complete_count, run.partial_count, run.short_count = c["complete"], c["partial"], c["short"]
    run.finished_at = timezone.now()
    run.duration_ms = int((time.perf_counter() - t0) * 1000)
    run.save()
    return run
