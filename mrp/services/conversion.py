"""Planned orders become documents (docs/mrp.md "Workbench").

purchase → purchase requisition lines, one requisition per suggested supplier (the item's default
supplier; the estimated price comes from the price list); manufacture → work orders (make-to-order
ones linked to their sales-order line); outsource → outsourcing orders (draft, default supplier,
fee from the price list). Every requisition line / outsourcing order keeps its planned order in its
source fields (source_type "mrp.plannedorder", source_id, source_number = the demand it covers);
the planned order keeps its document (document_type / id / number). Planned orders are locked in
primary-key order: concurrent conversions of the same orders create one document. Only open
planned orders of the current plan (mrp.selectors.current_run) are converted, firmed, edited or
deleted.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, round_qty, to_decimal
from erp.locks import lock_row, lock_rows
from erp.types import User

from ..models import MrpPeg, PlannedOrder
from ..selectors import current_run
from ..states import PLANNED_FLOW, PlannedStatus

SOURCE_TYPE = "mrp.plannedorder"
MAX_CONVERT = 5000


@dataclass
class Conversion:
    requisitions: list = field(default_factory=list)
    work_orders: list = field(default_factory=list)
    outsourcing_orders: list = field(default_factory=list)
    converted: int = 0
    skipped: int = 0  # already converted (another planner was quicker) or not of the current plan
    errors: list[str] = field(default_factory=list)


def _user(user):
    return user if getattr(user, "pk", None) else None


def _demand_sources(run_id: int, orders: list[PlannedOrder]) -> dict[int, str]:
    """The demand each planned order covers first (FIFO pegging): "SO-1/1", a parent planned
    order "MRP 12/7", a work order number, "forecast" or "safety stock" (one query)."""
    by_seq = {str(p.seq): p for p in orders}
    out: dict[int, str] = {}
    rows = (
        MrpPeg.objects.filter(run_id=run_id, supply_kind="planned", supply_ref__in=list(by_seq))
        .exclude(demand_kind="")
        .order_by("demand_date", "id")
        .values_list("supply_ref", "demand_kind", "demand_ref")
    )
    for seq, kind, ref in rows:
        p = by_seq[seq]
        if p.pk in out:
            continue
        if kind == "planned":
            out[p.pk] = f"MRP {run_id}/{ref}"
        elif kind == "safety":
            out[p.pk] = _("safety stock")
        elif kind == "forecast":
            out[p.pk] = _("forecast %(date)s") % {"date": ref}
        else:
            out[p.pk] = ref
    return out


def _sales_lines(pegs: set[str]) -> dict[str, int]:
    """{"SO/line": sales-order line id} through crm's selector (one query)."""
    if not pegs:
        return {}
    from crm.selectors import sales_order_lines

    wanted = {tuple(p.rsplit("/", 1)) for p in pegs if "/" in p}
    numbers = {n for n, _l in wanted}
    out = {}
    for pk, number, line_no in (
        sales_order_lines().filter(order__number__in=numbers).values_list("pk", "order__number", "line_no")
    ):
        key = f"{number}/{line_no}"
        if key in pegs:
            out[key] = pk
    return out


def _mark(p: PlannedOrder, doc_type: str, doc_id: int, number: str, user) -> None:
    PLANNED_FLOW.apply(p, PlannedStatus.CONVERTED)
    p.document_type, p.document_id, p.document_number = doc_type, doc_id, number
    p.converted_at = timezone.now()
    p.converted_by = _user(user)
    p.save(update_fields=["status", "document_type", "document_id", "document_number", "converted_at", "converted_by"])


@transaction.atomic
def planned_orders_convert(*, ids, user: User | None = None, on_date: datetime.date | None = None) -> Conversion:
    """Convert the open planned orders `ids` of the current plan into documents (see module doc)."""
    from procurement.services import prices
    from procurement.services.outsourcing import outsourcing_order_create
    from procurement.services.requisitions import requisition_create
    from production.models import WorkOrder
    from production.services.work_orders import work_order_create

    ids = sorted({int(i) for i in ids})
    if not ids:
        raise ValidationError(_("Select at least one planned order."), code="none_selected")
    if len(ids) > MAX_CONVERT:
        raise ValidationError(
            _("At most %(n)s planned orders can be converted at once.") % {"n": MAX_CONVERT}, code="too_many"
        )
    on_date = on_date or timezone.localdate()
    run = current_run()
    out = Conversion()
    locked = lock_rows(PlannedOrder.objects.select_related("item"), ids)
    todo = [p for p in locked.values() if run is not None and p.run_id == run.pk and p.status == PlannedStatus.OPEN]
    out.skipped = len(ids) - len(todo)
    if not todo or run is None:
        return out
    demand = _demand_sources(run.pk, todo)
    lines_by_peg = _sales_lines({p.pegged_to for p in todo if p.pegged_to})
    price_rows = prices.prices_for_items({p.item_id for p in todo}, on_date=on_date)

    purchases: dict[int | None, list[PlannedOrder]] = defaultdict(list)
    for p in todo:
        if p.order_type == "purchase":
            purchases[p.item.default_supplier_id].append(p)
    for supplier_id, group in sorted(purchases.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        group.sort(key=lambda p: (p.item.code, p.due_date, p.pk))
        req = requisition_create(
            request_date=on_date,
            user=user,
            note=_("From MRP run %(run)s") % {"run": run.pk},
            lines=[
                {
                    "item_id": p.item_id,
                    "qty": p.qty,
                    "need_date": p.due_date,
                    "supplier_id": supplier_id,
                    "source_type": SOURCE_TYPE,
                    "source_id": p.pk,
                    "source_line": p.seq,
                    "source_number": demand.get(p.pk, "") or p.pegged_to,
                }
                for p in group
            ],
        )
        out.requisitions.append(req)
        for line, p in zip(req.lines.order_by("line_no"), group, strict=True):
            _mark(p, "procurement.requisitionline", line.pk, f"{req.number}/{line.line_no}", user)

    for p in sorted((p for p in todo if p.order_type == "manufacture"), key=lambda p: (p.item.code, p.due_date)):
        start = max(p.release_date, on_date)
        wo = work_order_create(
            item_id=p.item_id,
            qty=p.qty,
            planned_start=start,
            planned_finish=max(p.due_date, start),
            sales_order_line_id=lines_by_peg.get(p.pegged_to),
            source=WorkOrder.Source.MRP,
            note=_("MRP run %(run)s, planned order %(seq)s; for %(demand)s")
            % {"run": run.pk, "seq": p.seq, "demand": demand.get(p.pk, "") or p.pegged_to or "-"},
            user=user,
        )
        out.work_orders.append(wo)
        _mark(p, "production.workorder", wo.pk, wo.number, user)

    for p in sorted((p for p in todo if p.order_type == "outsource"), key=lambda p: (p.item.code, p.due_date)):
        supplier_id = p.item.default_supplier_id
        if supplier_id is None:
            rows = [r for (item_id, _s), rs in price_rows.items() if item_id == p.item_id for r in rs]
            supplier_id = min(rows, key=lambda r: (r.price, r.supplier.code)).supplier_id if rows else None
        if supplier_id is None:
            out.errors.append(_("%(item)s has no supplier: not converted.") % {"item": p.item})
            continue
        row = prices.pick(price_rows.get((p.item_id, supplier_id)), p.qty)
        start = max(p.release_date, on_date)
        oo = outsourcing_order_create(
            supplier_id=supplier_id,
            item_id=p.item_id,
            qty=p.qty,
            unit_fee=row.price if row else ZERO,
            order_date=on_date,
            start_date=start,
            due_date=max(p.due_date, start),
            sales_order_line_id=lines_by_peg.get(p.pegged_to),
            user=user,
            source={
                "source_type": SOURCE_TYPE,
                "source_id": p.pk,
                "source_line": p.seq,
                "source_number": demand.get(p.pk, "") or p.pegged_to,
            },
        )
        out.outsourcing_orders.append(oo)
        _mark(p, "procurement.outsourcingorder", oo.pk, oo.number, user)
    out.converted = sum(1 for p in todo if p.status == PlannedStatus.CONVERTED)
    return out


def _open_of_current(planned_order_id: int) -> PlannedOrder:
    p = lock_row(PlannedOrder.objects.select_related("item"), planned_order_id)
    run = current_run()
    if p.status != PlannedStatus.OPEN:
        raise StateError(
            _("Planned order %(seq)s is already converted (%(doc)s).") % {"seq": p.seq, "doc": p.document_number},
            code="converted",
        )
    if run is None or p.run_id != run.pk:
        raise StateError(_("Only planned orders of the current plan can be changed."), code="not_current")
    return p


@transaction.atomic
def planned_order_firm(*, planned_order_id: int, firm: bool = True, user: User | None = None) -> PlannedOrder:
    """Firm (or release the firm flag): the next run keeps a firm order's date and quantity."""
    p = _open_of_current(planned_order_id)
    if p.firm != firm:
        p.firm = firm
        p.save(update_fields=["firm"])
    return p


@transaction.atomic
def planned_order_update(
    *,
    planned_order_id: int,
    qty: Decimal,
    release_date: datetime.date,
    due_date: datetime.date,
    user: User | None = None,
) -> PlannedOrder:
    """A planner's change of quantity or dates; the order becomes firm (kept by the next run)."""
    p = _open_of_current(planned_order_id)
    qty = round_qty(to_decimal(qty))
    if qty <= 0:
        raise ValidationError(_("The quantity must be greater than 0."), code="qty")
    if due_date < release_date:
        raise ValidationError(_("The due date cannot be before the release date."), code="dates")
    p.qty, p.release_date, p.due_date, p.firm = qty, release_date, due_date, True
    p.late = release_date < p.run.run_date
    p.save(update_fields=["qty", "release_date", "due_date", "firm", "late"])
    return p


@transaction.atomic
def planned_order_delete(*, planned_order_id: int, user: User | None = None) -> None:
    """Delete an open planned order of the current plan (the next run may plan it again)."""
    p = _open_of_current(planned_order_id)
    p.delete()
