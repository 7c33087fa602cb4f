"""生产领料: kit, batch, merged, return and supplementary pickings; all posting via the ledger.

A picking is proposed as a draft (lines consolidated by item and warehouse, each with its
per-order allocations) and posted on confirm. Confirm may issue less than proposed per line;
the issued quantity is allocated to the orders by priority (earliest planned start).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_qty
from erp.notify import notifications_resolve, notify_module
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User
from inventory.services.ledger import MoveSpec, stock_moves_post, stock_moves_reverse

from ..engine import picking as eng
from ..models import Picking, PickingAllocation, PickingLine, WorkOrder, WorkOrderMaterial
from ..selectors import kit_figures
from ..states import DOC_FLOW, DocStatus, IssueMethod, LineType, PickingMode, WorkOrderStatus
from .common import issue_warehouse_id, lock_materials, lock_orders, non_negative
from .work_orders import mark_started_bulk

SOURCE = "production.picking"
PICKABLE = (WorkOrderStatus.RELEASED, WorkOrderStatus.STARTED)


def _check_pickable(wo: WorkOrder):
    if wo.status not in PICKABLE:
        raise StateError(
            _("%(wo)s is %(status)s: material can be picked only for released or started orders.")
            % {"wo": wo, "status": wo.get_status_display()},
            code="not_pickable",
        )


def _handoff_to_warehouse(picking: Picking, work_orders) -> None:
    """The draft waits for the warehouse: a notification (bell, e-mail) to its clerks; resolved
    when the picking is posted or cancelled (the dashboard to-do counts the drafts live)."""
    notify_module(
        module="warehouse",
        key=f"picking:{picking.pk}",
        title=_("Picking %(number)s waits for the warehouse (work orders %(orders)s)")
        % {"number": picking.number, "orders": ", ".join(wo.number for wo in work_orders)},
        body=_("Check the quantities, issue the material and post the picking."),
        url=reverse("production:picking_detail", args=[picking.pk]),
    )


def _create(*, mode, work_orders, demands, pick_date, user, target_sets=None, key_parts_only=False, reason=""):
    """demands: list of (material, warehouse_id, qty) -> draft picking with consolidated lines."""
    demands = [d for d in demands if d[2] > 0]
    if not demands:
        raise ValidationError(_("Nothing to pick: every quantity is zero."), code="nothing")
    picking = Picking.objects.create(
        number=next_number("PK", on_date=pick_date),
        mode=mode,
        pick_date=pick_date,
        target_sets=target_sets,
        key_parts_only=key_parts_only,
        reason=reason,
        created_by=user if getattr(user, "pk", None) else None,
    )
    picking.work_orders.set(work_orders)
    _handoff_to_warehouse(picking, work_orders)
    wo_by_id = {wo.pk: wo for wo in work_orders}
    merged = eng.consolidate(
        [
            eng.Demand(
                key=m.pk,
                item=m.component_id,
                warehouse=wh,
                qty=qty,
                priority=(wo_by_id[m.work_order_id].planned_start, wo_by_id[m.work_order_id].number, m.line_no),
            )
            for m, wh, qty in demands
        ]
    )
    # two INSERTs whatever the number of lines (PostgreSQL returns the new line ids)
    picking_lines = PickingLine.objects.bulk_create(
        [
            PickingLine(picking=picking, line_no=n * 10, item_id=line.item, warehouse_id=line.warehouse, qty=line.qty)
            for n, line in enumerate(merged, start=1)
        ]
    )
    PickingAllocation.objects.bulk_create(
        [
            PickingAllocation(line=pl, material_id=d.key, qty=d.qty)
            for pl, line in zip(picking_lines, merged, strict=True)
            for d in line.demands
        ]
    )
    return picking


@transaction.atomic
def picking_create_kit(
    *,
    work_order_id: int,
    target_sets=None,
    key_parts_only: bool = False,
    pick_date: datetime.date | None = None,
    user: User | None = None,
) -> Picking:
    """配套领料: issue what brings every manual line to T sets (T defaults to T_max)."""
    wo = lock_orders([work_order_id])[work_order_id]
    _check_pickable(wo)
    fig = kit_figures(wo, key_parts_only=key_parts_only)
    target = fig["max_sets"] if target_sets is None else non_negative(target_sets, _("Target sets"))
    if target > wo.qty:
        raise ValidationError(
            _("Target sets %(t)s exceed the order quantity %(q)s.")
            % {"t": fmt_decimal(target), "q": fmt_decimal(wo.qty)},
            code="target_too_high",
        )
    issue = eng.kit_pick(fig["kit"], target, order_qty=wo.qty)
    demands = [(m, fig["warehouses"][m.pk], round_qty(issue[m.pk])) for m in fig["lines"]]
    return _create(
        mode=PickingMode.KIT,
        work_orders=[wo],
        demands=demands,
        pick_date=pick_date or timezone.localdate(),
        user=user,
        target_sets=target,
        key_parts_only=key_parts_only,
    )


def _qty_demands(wo, qtys: dict, *, mode) -> list:
    materials = {m.pk: m for m in wo.materials.select_related("component", "component__default_warehouse")}
    demands = []
    for material_id, raw in qtys.items():
        m = materials.get(int(material_id))
        if m is None:
            raise ValidationError(_("That material line does not belong to %(wo)s.") % {"wo": wo}, code="bad_line")
        if m.line_type != LineType.COMPONENT or (mode != PickingMode.RETURN and m.issue_method == IssueMethod.NONE):
            raise ValidationError(
                _("Line %(line)s (%(item)s) is not picked.") % {"line": m.line_no, "item": m.component},
                code="not_picked",
            )
        qty = non_negative(raw, _("Quantity"))
        demands.append((m, issue_warehouse_id(m, wo), qty))
    return demands


@transaction.atomic
def picking_create_batch(*, work_order_id: int, qtys: dict, pick_date=None, user: User | None = None) -> Picking:
    """分批领料: chosen quantities per material line, within the over-issue cap."""
    wo = lock_orders([work_order_id])[work_order_id]
    _check_pickable(wo)
    demands = _qty_demands(wo, qtys, mode=PickingMode.BATCH)
    for m, _wh, qty in demands:
        _check_cap(m, wo, qty)
    return _create(
        mode=PickingMode.BATCH,
        work_orders=[wo],
        demands=demands,
        pick_date=pick_date or timezone.localdate(),
        user=user,
    )


@transaction.atomic
def picking_create_supplement(
    *, work_order_id: int, qtys: dict, reason: str, pick_date=None, user: User | None = None
) -> Picking:
    """补料: extra material beyond the cap (scrap, damage); a reason is required."""
    if not (reason or "").strip():
        raise ValidationError(_("A supplementary picking needs a reason."), code="reason_required")
    wo = lock_orders([work_order_id])[work_order_id]
    _check_pickable(wo)
    demands = _qty_demands(wo, qtys, mode=PickingMode.SUPPLEMENT)
    return _create(
        mode=PickingMode.SUPPLEMENT,
        work_orders=[wo],
        demands=demands,
        pick_date=pick_date or timezone.localdate(),
        user=user,
        reason=reason.strip(),
    )


@transaction.atomic
def picking_create_return(
    *, work_order_id: int, qtys: dict, reason: str = "", pick_date=None, user: User | None = None
) -> Picking:
    """退料: material goes back to stock and reduces net issued."""
    wo = lock_orders([work_order_id])[work_order_id]
    if wo.status not in (*PICKABLE, WorkOrderStatus.COMPLETED):
        raise StateError(_("%(wo)s takes no returns in its status.") % {"wo": wo}, code="no_returns")
    demands = _qty_demands(wo, qtys, mode=PickingMode.RETURN)
    for m, _wh, qty in demands:
        _check_returnable(m, qty)
    return _create(
        mode=PickingMode.RETURN,
        work_orders=[wo],
        demands=demands,
        pick_date=pick_date or timezone.localdate(),
        user=user,
        reason=reason,
    )


@transaction.atomic
def picking_create_merged(*, work_order_ids, pick_date=None, user: User | None = None) -> Picking:
    """合并领料: the remaining manual requirements of several orders in one picking."""
    ids = sorted({int(i) for i in work_order_ids})
    if len(ids) < 2:
        raise ValidationError(_("Choose at least two work orders to merge."), code="merge_two")
    orders = lock_orders(ids)
    if len(orders) != len(ids):
        raise ValidationError(_("Unknown work order."), code="unknown_wo")
    for wo in orders.values():
        _check_pickable(wo)
    materials = (
        WorkOrderMaterial.objects.manual()
        .select_related("component", "component__default_warehouse")
        .filter(work_order_id__in=ids)
        .order_by("work_order_id", "line_no")
    )
    demands = [(m, issue_warehouse_id(m, orders[m.work_order_id]), m.remaining) for m in materials]
    return _create(
        mode=PickingMode.MERGED,
        work_orders=list(orders.values()),
        demands=demands,
        pick_date=pick_date or timezone.localdate(),
        user=user,
    )


def _check_cap(m: WorkOrderMaterial, wo: WorkOrder, qty: Decimal):
    room = eng.batch_cap(
        required=m.required,
        net_issued=m.net_issued,
        tolerance_pct=wo.issue_tolerance_pct,
        forbidden=wo.over_issue_forbidden,
    )
    if qty > room:
        raise ValidationError(
            _(
                "%(wo)s line %(line)s (%(item)s): %(qty)s would exceed the issue cap; at most %(room)s more "
                "(required %(required)s, net issued %(issued)s)."
            )
            % {
                "wo": wo,
                "line": m.line_no,
                "item": m.component,
                "qty": fmt_decimal(qty),
                "room": fmt_decimal(room),
                "required": fmt_decimal(m.required),
                "issued": fmt_decimal(m.net_issued),
            },
            code="over_issue",
        )


def _check_returnable(m: WorkOrderMaterial, qty: Decimal):
    room = m.issued_qty - m.returned_qty
    if qty > room:
        raise ValidationError(
            _("Line %(line)s (%(item)s): cannot return %(qty)s, only %(room)s was issued.")
            % {"line": m.line_no, "item": m.component, "qty": fmt_decimal(qty), "room": fmt_decimal(room)},
            code="over_return",
        )


@transaction.atomic
def picking_confirm(*, picking_id: int, issue_qtys: dict | None = None, user: User | None = None) -> Picking:
    """Post the picking. `issue_qtys` {line_id: qty} may issue less than proposed; the issued
    quantity of a line goes to its orders by priority (earliest planned start first)."""
    picking = Picking.objects.select_for_update().get(pk=picking_id)
    if picking.status == DocStatus.CONFIRMED:
        return picking
    DOC_FLOW.check(picking, DocStatus.CONFIRMED)
    assert_open(picking.pick_date)
    lines = list(picking.lines.prefetch_related("allocations").order_by("line_no"))
    allocations = [a for line in lines for a in line.allocations.all()]
    materials = lock_materials({a.material_id for a in allocations})
    orders = lock_orders({m.work_order_id for m in materials.values()})
    for wo in orders.values():
        if picking.mode == PickingMode.RETURN:
            if wo.status not in (*PICKABLE, WorkOrderStatus.COMPLETED):
                raise StateError(_("%(wo)s takes no returns in its status.") % {"wo": wo}, code="no_returns")
        else:
            _check_pickable(wo)
    issue_qtys = {int(k): non_negative(v, _("Quantity")) for k, v in (issue_qtys or {}).items()}
    sign = 1 if picking.mode == PickingMode.RETURN else -1
    moves = []
    changed_allocs = []
    for line in lines:
        qty = issue_qtys.get(line.pk, line.qty)
        if qty > line.qty:
            raise ValidationError(
                _("Line %(line)s: %(qty)s is more than the %(planned)s proposed.")
                % {"line": line.line_no, "qty": fmt_decimal(qty), "planned": fmt_decimal(line.qty)},
                code="over_proposed",
            )
        demands = [
            eng.Demand(
                key=a.pk,
                item=line.item_id,
                warehouse=line.warehouse_id,
                qty=a.qty,
                priority=(
                    orders[materials[a.material_id].work_order_id].planned_start,
                    orders[materials[a.material_id].work_order_id].number,
                    a.pk,
                ),
            )
            for a in line.allocations.all()
        ]
        split = eng.allocate(qty, demands)
        for a in line.allocations.all():
            a.issued_qty = split[a.pk]
            m = materials[a.material_id]
            if picking.mode == PickingMode.RETURN:
                _check_returnable(m, a.issued_qty)
                m.returned_qty += a.issued_qty
            else:
                if picking.mode != PickingMode.SUPPLEMENT and a.issued_qty > 0:
                    _check_cap(m, orders[m.work_order_id], a.issued_qty)
                m.issued_qty += a.issued_qty
            changed_allocs.append(a)
        line.issued_qty = qty
        if qty > 0:
            moves.append(
                MoveSpec(
                    item_id=line.item_id,
                    warehouse_id=line.warehouse_id,
                    qty=sign * qty,
                    source_line=line.pk,
                    kind="production_return" if sign > 0 else "production_issue",
                )
            )
    if not moves:
        raise ValidationError(
            _("Nothing to post: every issue quantity is zero. Enter the quantities issued, or cancel the picking."),
            code="nothing_issued",
        )
    stock_moves_post(
        source_type=SOURCE,
        source_id=picking.pk,
        moves=moves,
        move_date=picking.pick_date,
        user=user,
        source_number=picking.number,
    )
    PickingLine.objects.bulk_update(lines, ["issued_qty"])
    PickingAllocation.objects.bulk_update(changed_allocs, ["issued_qty"])
    WorkOrderMaterial.objects.bulk_update(list(materials.values()), ["issued_qty", "returned_qty"])
    if picking.mode != PickingMode.RETURN:
        mark_started_bulk(list(orders.values()), picking.pick_date, user=user)
    DOC_FLOW.apply(picking, DocStatus.CONFIRMED)
    picking.confirmed_at = timezone.now()
    picking.confirmed_by = user if getattr(user, "pk", None) else None
    picking.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    announce(SOURCE, picking.pk, number=picking.number, on_date=picking.pick_date, user=user)
    notifications_resolve(key=f"picking:{picking.pk}")
    return picking


@transaction.atomic
def picking_cancel(*, picking_id: int, on_date: datetime.date | None = None, user: User | None = None) -> Picking:
    """Cancel a draft, or reverse a confirmed picking (reversing stock moves, issued qty unwound)."""
    picking = Picking.objects.select_for_update().get(pk=picking_id)
    if picking.status == DocStatus.CANCELLED:
        return picking
    DOC_FLOW.check(picking, DocStatus.CANCELLED)
    if picking.status == DocStatus.CONFIRMED:
        allocations = list(PickingAllocation.objects.filter(line__picking=picking))
        materials = lock_materials({a.material_id for a in allocations})
        lock_orders({m.work_order_id for m in materials.values()})
        per_material: defaultdict[int, Decimal] = defaultdict(lambda: ZERO)
        for a in allocations:
            per_material[a.material_id] += a.issued_qty
        for mid, qty in per_material.items():
            m = materials[mid]
            if picking.mode == PickingMode.RETURN:
                m.returned_qty -= qty
            else:
                if m.issued_qty - qty < m.returned_qty:
                    raise StateError(
                        _("Line %(line)s (%(item)s) was partly returned already: cancel the return first.")
                        % {"line": m.line_no, "item": m.component},
                        code="returned",
                    )
                m.issued_qty -= qty
        stock_moves_reverse(source_type=SOURCE, source_id=picking.pk, move_date=on_date or picking.pick_date, user=user)
        announce(
            SOURCE, picking.pk, number=picking.number, on_date=on_date or picking.pick_date, reversal=True, user=user
        )
        WorkOrderMaterial.objects.bulk_update(list(materials.values()), ["issued_qty", "returned_qty"])
    DOC_FLOW.apply(picking, DocStatus.CANCELLED)
    picking.save(update_fields=["status", "updated_at"])
    notifications_resolve(key=f"picking:{picking.pk}")
    return picking
