"""Reads for the costing pages and reports (bulk; no per-row queries)."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from erp.fields import ZERO
from erp.models import Period
from inventory.models import StockBalance, StockMove

from .models import CostRun, ItemCost, OrderCost, RunStatus
from .services.runs import latest_run


def runs_of(period: Period, limit: int = 10):
    return list(CostRun.objects.filter(period=period).select_related("created_by")[:limit])


@dataclass
class SheetRow:
    order_no: str
    item: str
    work_order_id: int | None
    elements: list[OrderCost] = field(default_factory=list)
    total: dict = field(default_factory=dict)


def cost_sheets(run: CostRun, *, order_no: str = "") -> list[SheetRow]:
    """成本计算单: per order, its elements and totals (opening WIP, this period, FG, closing WIP)."""
    qs = OrderCost.objects.filter(run=run).select_related("item").order_by("order_no", "element")
    if order_no:
        qs = qs.filter(order_no__icontains=order_no)
    rows: dict[str, SheetRow] = {}
    for oc in qs:
        row = rows.get(oc.order_no)
        if row is None:
            row = rows[oc.order_no] = SheetRow(oc.order_no, f"{oc.item.code} {oc.item.name}", oc.work_order_id)
            row.total = dict.fromkeys(("opening_wip", "this_period", "fg", "closing_wip"), ZERO)
        row.elements.append(oc)
        for k in row.total:
            row.total[k] += getattr(oc, k)
    return list(rows.values())


def product_summary(*, periods: int = 12, item_code: str = "") -> tuple[list[Period], list[dict]]:
    """Per product and period (latest finished run): FG quantity, value and unit cost."""
    recent = list(Period.objects.order_by("-year", "-month")[:periods])[::-1]
    run_ids = [r.pk for p in recent if (r := latest_run(p))]
    qs = OrderCost.objects.filter(run_id__in=run_ids, work_order__isnull=False)
    if item_code:
        qs = qs.filter(item__code__icontains=item_code)
    fg = defaultdict(lambda: ZERO)
    qty: dict = {}
    names = {}
    for r in qs.values("period_id", "item_id", "item__code", "item__name", "work_order_id", "completed_qty").annotate(
        v=Sum("fg")
    ):
        key = (r["item_id"], r["period_id"])
        fg[key] += r["v"] or ZERO
        qty.setdefault(key, {})[r["work_order_id"]] = r["completed_qty"]
        names[r["item_id"]] = (r["item__code"], r["item__name"])
    out = []
    for item_id, (code, name) in sorted(names.items(), key=lambda kv: kv[1][0]):
        cells = []
        for p in recent:
            q = sum(qty.get((item_id, p.pk), {}).values(), ZERO)
            v = fg.get((item_id, p.pk), ZERO)
            cells.append({"period": p, "qty": q, "value": v, "unit": (v / q).quantize(Decimal("0.01")) if q else None})
        out.append({"item_id": item_id, "code": code, "name": name, "cells": cells})
    return recent, out


def variances(run: CostRun) -> list[dict]:
    """Actual unit cost against the standard, by element: the standard material of a unit is the
    orders' material lists at the components' standard costs (qty per × standard cost), the
    standard conversion (labour, overhead, fee) is the item's standard cost less that."""
    from production.models import WorkOrderMaterial

    rows: dict[int, dict] = {}
    for oc in OrderCost.objects.filter(run=run, work_order__isnull=False).select_related("item"):
        row = rows.setdefault(
            oc.item_id,
            {"item": oc.item, "qty": {}, "elements": defaultdict(lambda: ZERO), "fg": ZERO},
        )
        row["qty"][oc.work_order_id] = oc.completed_qty
        row["elements"][oc.element] += oc.fg
        row["fg"] += oc.fg
    std_material: dict[int, Decimal] = defaultdict(lambda: ZERO)  # per work order, per unit
    wo_ids = {wo for row in rows.values() for wo in row["qty"]}
    for wo_id, per, cost in WorkOrderMaterial.objects.filter(
        work_order_id__in=wo_ids, line_type="component"
    ).values_list("work_order_id", "qty_per", "component__standard_cost"):
        std_material[wo_id] += per * (cost or ZERO)
    out = []
    for row in rows.values():
        q = sum(row["qty"].values(), ZERO)
        if not q:
            continue
        std = row["item"].standard_cost
        # the standard material of a unit, weighted by what each order completed
        mat_std = sum((std_material[wo] * wq for wo, wq in row["qty"].items()), ZERO) / q
        conv_std = max(ZERO, std - mat_std)
        el = row["elements"]
        mat_act = el.get("material", ZERO) / q
        conv_act = (el.get("labour", ZERO) + el.get("overhead", ZERO) + el.get("outsourcing", ZERO)) / q
        unit = row["fg"] / q
        cent = Decimal("0.01")
        out.append(
            {
                "item": row["item"],
                "qty": q,
                "unit": unit.quantize(cent),
                "elements": {k: (v / q).quantize(cent) for k, v in el.items()},
                "material_std": mat_std.quantize(cent),
                "material_var": (mat_act - mat_std).quantize(cent),
                "conversion_actual": conv_act.quantize(cent),
                "conversion_std": conv_std.quantize(cent),
                "conversion_var": (conv_act - conv_std).quantize(cent),
                "standard": std,
                "variance": (unit - std).quantize(cent),
                "variance_total": ((unit - std) * q).quantize(cent),
            }
        )
    return sorted(out, key=lambda r: r["item"].code)


def reconciliation(period: Period) -> tuple[list[dict], dict]:
    """Inventory value: ledger (sum of moves to the period end) = balances (today, for the
    latest period) = costed value (the run's closing value), per item, differences listed."""
    from .services.runs import period_bounds

    _start, end = period_bounds(period)
    ledger = dict(
        StockMove.objects.filter(move_date__lte=end).values_list("item_id").annotate(v=Sum("value")).order_by()
    )
    balances = dict(StockBalance.objects.values_list("item_id").annotate(v=Sum("value")).order_by())
    later = StockMove.objects.filter(move_date__gt=end).exists()
    run = latest_run(period)
    costed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if run:
        for item_id, v in ItemCost.objects.filter(run=run).values_list("item_id", "closing_value"):
            costed[item_id] += v
    from inventory.models import Item

    ids = set(ledger) | (set() if later else set(balances)) | set(costed)
    items = Item.objects.in_bulk(ids)
    rows = []
    total = {"ledger": ZERO, "balance": ZERO, "costed": ZERO}
    for item_id in sorted(ids, key=lambda i: items[i].code):
        row = {
            "item": items[item_id],
            "ledger": ledger.get(item_id) or ZERO,
            "balance": None if later else (balances.get(item_id) or ZERO),
            "costed": costed.get(item_id) if run else None,
        }
        diffs = [v for v in (row["balance"], row["costed"]) if v is not None and v != row["ledger"]]
        row["difference"] = bool(diffs)
        if not any((row["ledger"], row["balance"], row["costed"])):
            continue
        rows.append(row)
        for k in total:
            total[k] += row[k] or ZERO
    total["has_run"] = bool(run)
    total["later"] = later
    return rows, total


def done_runs():
    return CostRun.objects.filter(status=RunStatus.DONE)
