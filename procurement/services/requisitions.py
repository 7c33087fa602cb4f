"""采购申请: create (manually or from other documents' lines), approve, convert to purchase orders."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, to_decimal
from erp.locks import AdvisoryLock, advisory_lock, lock_row, lock_rows
from erp.notify import notifications_resolve, notify_module
from erp.numbering import next_number
from erp.types import User
from inventory.models import Item

from ..models import PurchaseOrder, PurchaseOrderLine, Requisition, RequisitionLine, RequisitionLineSource
from ..states import REQUISITION_FLOW, OrderStatus, RequisitionStatus
from . import prices
from .common import positive_qty


@transaction.atomic
def requisition_create(
    *,
    request_date: datetime.date,
    lines: list[dict],
    user: User | None = None,
    department: str = "",
    note: str = "",
) -> Requisition:
    """lines: dicts with item_id, qty, need_date, optional supplier_id, note and source_type,
    source_id, source_line, source_number (the document line this request comes from)."""
    if not lines:
        raise ValidationError(_("A requisition needs at least one line."), code="no_lines")
    items = Item.objects.in_bulk({ln["item_id"] for ln in lines})
    price_rows = prices.prices_for_items(set(items), on_date=request_date)
    req = Requisition.objects.create(
        number=next_number("PR", on_date=request_date),
        request_date=request_date,
        department=department,
        note=note,
        created_by=user if getattr(user, "pk", None) else None,
    )
    objs = []
    for i, ln in enumerate(lines, start=1):
        item = items.get(ln["item_id"])
        if item is None:
            raise ValidationError(_("Unknown item %(id)s.") % {"id": ln["item_id"]}, code="unknown_item")
        obj = RequisitionLine(
            requisition=req,
            line_no=i * 10,
            item=item,
            qty=positive_qty(ln["qty"], label=str(item)),
            need_date=ln.get("need_date") or request_date,
            supplier_id=ln.get("supplier_id"),
            note=ln.get("note", ""),
            source_type=ln.get("source_type", ""),
            source_id=ln.get("source_id"),
            source_line=ln.get("source_line"),
            source_number=ln.get("source_number", ""),
        )
        obj.unit_price = estimated_price(obj, price_rows)
        obj.set_amounts()
        objs.append(obj)
    RequisitionLine.objects.bulk_create(objs)
    req.set_totals(objs)
    req.save(update_fields=["amount"])
    return req


@transaction.atomic
def requisition_update(
    *,
    requisition_id: int,
    request_date: datetime.date,
    lines: list[dict],
    user: User | None = None,
    department: str = "",
    note: str = "",
) -> Requisition:
    """A draft requisition changed in place (entry grid, issue 18): line n keeps its row; a line
    whose item changed loses the source it was created from; surplus lines are deleted. Refused
    once approved (nothing written)."""
    req = lock_row(Requisition, requisition_id)
    REQUISITION_FLOW.check_editable(req, RequisitionStatus.DRAFT)
    if not lines:
        raise ValidationError(_("A requisition needs at least one line."), code="no_lines")
    items = Item.objects.in_bulk({ln["item_id"] for ln in lines})
    price_rows = prices.prices_for_items(set(items), on_date=request_date)
    existing = list(req.lines.order_by("line_no", "pk"))
    keep: list[RequisitionLine] = []
    create: list[RequisitionLine] = []
    for i, ln in enumerate(lines, start=1):
        item = items.get(ln["item_id"])
        if item is None:
            raise ValidationError(_("Unknown item %(id)s.") % {"id": ln["item_id"]}, code="unknown_item")
        obj = existing[i - 1] if i <= len(existing) else RequisitionLine(requisition=req)
        if obj.pk and obj.item_id != item.pk:
            obj.source_type, obj.source_id, obj.source_line, obj.source_number = "", None, None, ""
            obj.sources.all().delete()
        obj.line_no, obj.item = i * 10, item
        obj.qty = positive_qty(ln["qty"], label=str(item))
        obj.need_date = ln.get("need_date") or request_date
        obj.supplier_id = ln.get("supplier_id")
        obj.unit_price = estimated_price(obj, price_rows)
        obj.set_amounts()
        (keep if obj.pk else create).append(obj)
    RequisitionLine.objects.filter(pk__in=[o.pk for o in existing[len(lines) :]]).delete()
    fields = ["line_no", "item", "qty", "need_date", "supplier", "unit_price", "amount"]
    RequisitionLine.objects.bulk_update(keep, [*fields, "source_type", "source_id", "source_line", "source_number"])
    RequisitionLine.objects.bulk_create(create)
    req.request_date, req.department, req.note = request_date, department, note
    req.set_totals(keep + create)
    req.save(update_fields=["request_date", "department", "note", "amount", "updated_at"])
    return req


def estimated_price(line: RequisitionLine, price_rows: dict) -> Decimal:
    """The estimated unit price of a requisition line (its amount is an estimate: the order's
    price is fixed on conversion): the price list of the line's (or the item's default) supplier,
    else the cheapest valid row of any supplier, else the item's standard cost."""
    supplier_id = line.supplier_id or line.item.default_supplier_id
    row = prices.pick(price_rows.get((line.item_id, supplier_id)), line.qty) if supplier_id else None
    if row is None:
        candidates = [
            r
            for (item_id, _s), rows in price_rows.items()
            if item_id == line.item_id
            for r in rows
            if r.min_qty <= line.qty and r.supplier.is_active
        ]
        row = min(candidates, key=lambda r: (r.price, r.lead_time_days, r.supplier.code), default=None)
    return row.price if row else to_decimal(line.item.standard_cost)


def requisition_create_from_sources(
    *,
    sources: list[dict],
    request_date: datetime.date | None = None,
    user: User | None = None,
    approve: bool = False,
    merge: bool = False,
) -> Requisition:
    """按源单生成采购申请, for MRP and shortage lists: each source dict has item_id, qty, need_date,
    source_type (e.g. "mrp.plannedorder", "production.workorder"), source_id, source_line,
    source_number and optional supplier_id. Every line keeps its source link(s) (RequisitionLineSource);
    `merge` makes one line per item and supplier (quantities summed, the earliest need date) that
    keeps all its sources. A source line already on a live (not cancelled) requisition is refused,
    naming that requisition."""
    for src in sources:
        if not src.get("source_type") or src.get("source_id") is None:
            raise ValidationError(_("Every line must name its source document."), code="no_source")
    with transaction.atomic():
        advisory_lock(AdvisoryLock.REQUISITION_SOURCES)
        _refuse_taken_sources(sources)
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for i, src in enumerate(sources):
            key = (src["item_id"], src.get("supplier_id")) if merge else (i,)
            groups[key].append(src)
        lines = []
        for group in groups.values():
            first = group[0]
            lines.append(
                {
                    **first,
                    "qty": sum((to_decimal(s["qty"]) for s in group), ZERO),
                    "need_date": min((s["need_date"] for s in group if s.get("need_date")), default=None),
                    "source_number": first.get("source_number", "")
                    if len(group) == 1
                    else _("%(n)s sources") % {"n": len(group)},
                }
            )
        req = requisition_create(request_date=request_date or timezone.localdate(), lines=lines, user=user)
        links = []
        for line, group in zip(req.lines.order_by("line_no"), groups.values(), strict=True):
            for s in group:
                links.append(
                    RequisitionLineSource(
                        line=line,
                        source_type=s["source_type"],
                        source_id=s["source_id"],
                        source_line=s.get("source_line"),
                        source_number=s.get("source_number", "")[:60],
                        item_id=s["item_id"],
                        qty=to_decimal(s["qty"]),
                    )
                )
        RequisitionLineSource.objects.bulk_create(links)
        if approve:
            requisition_approve(requisition_id=req.pk, user=user)
            req.refresh_from_db()
    return req


def _refuse_taken_sources(sources: list[dict]) -> None:
    """A source line (type, document, line, item) already on a live requisition is refused."""
    cond = Q()
    for s in sources:
        cond |= Q(source_type=s["source_type"], source_id=s["source_id"], source_line=s.get("source_line"))
    taken = (
        RequisitionLineSource.objects.filter(cond)
        .exclude(line__requisition__status=RequisitionStatus.CANCELLED)
        .values_list("source_type", "source_id", "source_line", "item_id", "source_number", "line__requisition__number")
    )
    wanted = {(s["source_type"], s["source_id"], s.get("source_line"), s["item_id"]) for s in sources}
    hits = sorted({(num, req) for t, i, ln, item, num, req in taken if (t, i, ln, item) in wanted})
    if hits:
        raise ValidationError(
            _("Already requested: %(lines)s.")
            % {"lines": ", ".join(_("%(src)s on %(req)s") % {"src": num, "req": req} for num, req in hits)},
            code="source_taken",
        )


def requisition_sources_of(*, source_type: str, source_ids) -> dict[int, list[dict]]:
    """{source document id: [{requisition id, number, status, line_no, item, qty, source_line}]}
    of the live requisitions made from those documents (one query)."""
    out: dict[int, list[dict]] = defaultdict(list)
    rows = (
        RequisitionLineSource.objects.filter(source_type=source_type, source_id__in=list(source_ids))
        .exclude(line__requisition__status=RequisitionStatus.CANCELLED)
        .select_related("line__requisition", "item")
        .order_by("line__requisition_id", "line__line_no", "id")
    )
    for r in rows:
        req = r.line.requisition
        out[r.source_id].append(
            {
                "requisition_id": req.pk,
                "number": req.number,
                "status": req.get_status_display(),
                "line_no": r.line.line_no,
                "item": r.item,
                "qty": r.qty,
                "source_line": r.source_line,
            }
        )
    return dict(out)


@transaction.atomic
def requisition_approve(*, requisition_id: int, user: User | None = None) -> Requisition:
    """Approve a draft (approving again is harmless; a closed requisition is not reopened by
    approving it: it opens again only when an order line is cancelled or reduced)."""
    req = lock_row(Requisition, requisition_id)
    if req.status == RequisitionStatus.APPROVED:
        return req
    if req.status != RequisitionStatus.DRAFT:
        raise StateError(
            _("%(doc)s is %(status)s: only draft requisitions are approved.")
            % {"doc": req.number, "status": req.get_status_display()},
            code="bad_transition",
        )
    if REQUISITION_FLOW.apply(req, RequisitionStatus.APPROVED):
        req.confirmed_at = timezone.now()
        req.confirmed_by = user if getattr(user, "pk", None) else None
        req.save()
        _handoff_to_buyer(req)
    return req


def _handoff_to_buyer(req: Requisition) -> None:
    """An approved requisition waits for the buyer (bell, e-mail; the dashboard counts them
    live); resolved when it is closed (ordered) or cancelled."""
    notify_module(
        module="purchasing",
        key=f"requisition:{req.pk}",
        title=_("Requisition %(number)s waits for the buyer: order it") % {"number": req.number},
        body=_("Convert its lines to purchase orders."),
        url=reverse("procurement:requisition_detail", args=[req.pk]),
    )


@transaction.atomic
def requisition_cancel(*, requisition_id: int, user: User | None = None) -> Requisition:
    req = lock_row(Requisition, requisition_id)
    if req.status == RequisitionStatus.CANCELLED:
        return req
    if req.lines.filter(ordered_qty__gt=0).exists():
        raise StateError(
            _("%(doc)s has lines already ordered; close it instead.") % {"doc": req.number}, code="already_ordered"
        )
    REQUISITION_FLOW.apply(req, RequisitionStatus.CANCELLED)
    req.save()
    notifications_resolve(key=f"requisition:{req.pk}")
    return req


@transaction.atomic
def requisition_close(*, requisition_id: int, user: User | None = None) -> Requisition:
    """Close an approved requisition: its open quantities will not be ordered."""
    req = lock_row(Requisition, requisition_id)
    if REQUISITION_FLOW.apply(req, RequisitionStatus.CLOSED):
        req.save()
        notifications_resolve(key=f"requisition:{req.pk}")
    return req


def _refresh_requisition_status(req_ids) -> None:
    """Close approved requisitions whose lines are all ordered; open closed ones again when an
    order line was cancelled or reduced (both moves through REQUISITION_FLOW)."""
    reqs = lock_rows(Requisition.objects.all(), req_ids)
    lines_by_req: dict[int, list[RequisitionLine]] = defaultdict(list)
    for ln in RequisitionLine.objects.filter(requisition_id__in=list(reqs)):
        lines_by_req[ln.requisition_id].append(ln)
    changed = []
    for req in reqs.values():
        done = all(ln.ordered_qty >= ln.qty for ln in lines_by_req[req.pk])
        if done and req.status == RequisitionStatus.APPROVED:
            target = RequisitionStatus.CLOSED
        elif not done and req.status == RequisitionStatus.CLOSED:
            target = RequisitionStatus.APPROVED
        else:
            continue
        REQUISITION_FLOW.apply(req, target)
        changed.append(req)
    for req in changed:
        req.save(update_fields=["status", "updated_at"])  # one at a time: the history keeps each
        if req.status == RequisitionStatus.CLOSED:
            notifications_resolve(key=f"requisition:{req.pk}")


@transaction.atomic
def requisition_lines_to_orders(
    *,
    line_ids: list[int],
    order_date: datetime.date | None = None,
    user: User | None = None,
    supplier_overrides: dict[int, int] | None = None,
) -> list[PurchaseOrder]:
    """下推: turn the open quantity of the selected approved lines into draft purchase orders,
    one per supplier (lines of many requisitions merge), writing back the ordered quantity.

    Supplier per line: the override, else the line's suggested supplier, else the item's default
    supplier, else the cheapest valid price-list supplier. Price from the price list (else the
    item's standard cost); due date = the need date.
    """
    order_date = order_date or timezone.localdate()
    overrides = supplier_overrides or {}
    if not line_ids:
        raise ValidationError(_("Select at least one requisition line."), code="no_lines")
    # parents before children, each in primary-key order (erp.locks)
    req_ids = set(RequisitionLine.objects.filter(pk__in=line_ids).values_list("requisition_id", flat=True))
    lock_rows(Requisition.objects.all(), req_ids)
    lines = list(
        lock_rows(RequisitionLine.objects.select_related("requisition", "item"), line_ids, of=("self",)).values()
    )
    if len(lines) != len(set(line_ids)):
        raise ValidationError(_("Some requisition lines do not exist."), code="unknown_line")
    by_supplier: dict[int, list[tuple[RequisitionLine, Decimal]]] = defaultdict(list)
    for ln in lines:
        if ln.requisition.status != RequisitionStatus.APPROVED:
            raise StateError(
                _("%(doc)s is not approved: only approved requisitions become purchase orders.")
                % {"doc": ln.requisition.number},
                code="not_approved",
            )
        qty = ln.open_qty
        if qty <= 0:
            raise ValidationError(
                _("%(doc)s line %(line)s is already fully ordered.")
                % {"doc": ln.requisition.number, "line": ln.line_no},
                code="fully_ordered",
            )
        supplier_id = overrides.get(ln.pk) or ln.supplier_id or ln.item.default_supplier_id
        if not supplier_id:
            best = prices.best_supplier_for(item_id=ln.item_id, qty=qty, on_date=order_date)
            supplier_id = best.supplier_id if best else None
        if not supplier_id:
            raise ValidationError(
                _("No supplier for %(item)s: name one on the line, the item or the price list.") % {"item": ln.item},
                code="no_supplier",
            )
        by_supplier[supplier_id].append((ln, qty))

    price_rows = prices.prices_for_items({ln.item_id for ln in lines}, on_date=order_date)
    orders = []
    for supplier_id in sorted(by_supplier):
        po = PurchaseOrder.objects.create(
            number=next_number("PO", on_date=order_date),
            supplier_id=supplier_id,
            order_date=order_date,
            status=OrderStatus.DRAFT,
            created_by=user if getattr(user, "pk", None) else None,
        )
        objs = []
        for i, (ln, qty) in enumerate(by_supplier[supplier_id], start=1):
            row = prices.pick(price_rows.get((ln.item_id, supplier_id)), qty)
            obj = PurchaseOrderLine(
                order=po,
                line_no=i * 10,
                item_id=ln.item_id,
                qty=qty,
                unit_price=row.price if row else to_decimal(ln.item.standard_cost),
                due_date=ln.need_date,
                requisition_line=ln,
            )
            obj.set_amounts()
            objs.append(obj)
            ln.ordered_qty += qty
        PurchaseOrderLine.objects.bulk_create(objs)
        po.set_totals(objs)
        po.save(update_fields=["amount", "tax_amount", "total"])
        orders.append(po)
    RequisitionLine.objects.bulk_update(lines, ["ordered_qty"])
    _refresh_requisition_status({ln.requisition_id for ln in lines})
    return orders


def write_back_ordered(*, deltas: dict[int | None, Decimal]) -> None:
    """Change the ordered quantity of requisition lines ({requisition line id: delta}) after
    order lines changed or were cancelled; the requisitions close or open again accordingly.
    Locks the requisitions, then their lines, each in primary-key order (erp.locks)."""
    changed = {lid: d for lid, d in deltas.items() if lid and d}
    if not changed:
        return
    req_ids = set(RequisitionLine.objects.filter(pk__in=list(changed)).values_list("requisition_id", flat=True))
    lock_rows(Requisition.objects.all(), req_ids)
    lines = lock_rows(RequisitionLine.objects.all(), changed)
    for lid, delta in changed.items():
        lines[lid].ordered_qty = max(lines[lid].ordered_qty + delta, ZERO)
    RequisitionLine.objects.bulk_update(list(lines.values()), ["ordered_qty"])
    _refresh_requisition_status(req_ids)
