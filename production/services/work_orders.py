"""Work orders: create (by hand, from sales-order lines, children), release with the material
snapshot, edit the material list before issue, start, close, cancel."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_qty, to_decimal
from erp.locks import lock_rows
from erp.numbering import next_number
from erp.types import User
from inventory.models import Item, SupplyType

from ..models import Picking, WorkOrder, WorkOrderMaterial
from ..states import DOC_FLOW, IN_PRODUCTION_WO_STATUSES, WO_FLOW, DocStatus, IssueMethod, LineType, WorkOrderStatus
from .common import non_negative, positive


def _default_bom(item_id):
    from bom.selectors import default_bom

    return default_bom(item_id)


def _planning_change(wo: WorkOrder, cause: str, extra_items=()) -> None:
    """Net change (docs/mrp.md §5): the order's item (supply) and its material list or BOM (demand)."""
    from bom.models import BomLine
    from inventory.services.planning import record_planning_change

    items = [wo.item_id, *extra_items, *wo.materials.values_list("component_id", flat=True)]
    if wo.bom_id:
        items += BomLine.objects.filter(bom_id=wo.bom_id).values_list("component_id", flat=True)
    record_planning_change(
        item_ids=items, cause=cause, params={"doc": wo.number}, document=wo.number, kind="work_order"
    )


@transaction.atomic
def work_order_create(
    *,
    item_id: int,
    qty,
    planned_start: datetime.date,
    planned_finish: datetime.date | None = None,
    warehouse_id: int | None = None,
    sales_order_line_id: int | None = None,
    bom_id: int | None = None,
    parent_id: int | None = None,
    planner=None,
    source: str = WorkOrder.Source.MANUAL,
    receipt_tolerance_pct=ZERO,
    issue_tolerance_pct=ZERO,
    over_issue_forbidden: bool = False,
    cap_by_issued_sets: bool = False,
    number: str | None = None,
    note: str = "",
    user: User | None = None,
) -> WorkOrder:
    qty = positive(qty, _("Quantity"))
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        raise ValidationError(_("Unknown item."), code="unknown_item")
    if item.supply_type == SupplyType.PHANTOM:
        raise ValidationError(
            _("%(item)s is a phantom item: it is never made on its own work order.") % {"item": item}, code="phantom"
        )
    if planned_finish is None:
        planned_finish = planned_start + datetime.timedelta(days=item.lead_time_days)
    if planned_finish < planned_start:
        raise ValidationError(_("The planned finish is before the planned start."), code="dates")
    for value in (receipt_tolerance_pct, issue_tolerance_pct):
        non_negative(value, _("Tolerance"))
    if bom_id is None:
        bom = _default_bom(item.pk)
        bom_id = bom.pk if bom else None
    bom_version = ""
    if bom_id:
        from bom.models import Bom

        bom = Bom.objects.filter(pk=bom_id, item_id=item.pk).first()
        if bom is None:
            raise ValidationError(_("That BOM does not belong to %(item)s.") % {"item": item}, code="bad_bom")
        bom_version = bom.version
    wo = WorkOrder.objects.create(
        number=number or next_number("WO", on_date=planned_start),
        item=item,
        qty=qty,
        planned_start=planned_start,
        planned_finish=planned_finish,
        warehouse_id=warehouse_id or item.default_warehouse_id,
        sales_order_line_id=sales_order_line_id,
        bom_id=bom_id,
        bom_version=bom_version,
        parent_id=parent_id,
        planner=planner if planner is not None else (user if getattr(user, "pk", None) else None),
        source=source,
        receipt_tolerance_pct=to_decimal(receipt_tolerance_pct),
        issue_tolerance_pct=to_decimal(issue_tolerance_pct),
        over_issue_forbidden=over_issue_forbidden,
        cap_by_issued_sets=cap_by_issued_sets,
        note=note,
        created_by=user if getattr(user, "pk", None) else None,
    )
    _planning_change(wo, gettext_noop("%(doc)s created"))
    return wo


def sales_line_left_to_arrange(line) -> Decimal:
    """以销定产: what is left to arrange on a sales-order line (crm.progress, the one definition
    shared with the make-to-order page): to produce − covered by its linked orders."""
    from crm.progress import left_to_arrange

    return left_to_arrange([line])[line.pk]


@transaction.atomic
def work_order_from_sales_line(
    *,
    sales_order_line_id: int,
    qty=None,
    planned_start: datetime.date | None = None,
    planned_finish: datetime.date | None = None,
    user: User | None = None,
) -> WorkOrder:
    """以销定产: a work order pegged to one sales-order line (finish = the line's due date)."""
    from crm.selectors import sales_order_lines

    line = (
        sales_order_lines()
        .select_for_update(of=("self",))
        .select_related("order", "item")
        .filter(pk=sales_order_line_id)
        .first()
    )
    if line is None:
        raise ValidationError(_("Unknown sales-order line."), code="unknown_line")
    if line.order.status != "confirmed":
        raise StateError(
            _("Sales order %(so)s is not confirmed: no work order can be made from it.") % {"so": line.order},
            code="so_not_confirmed",
        )
    left = sales_line_left_to_arrange(line)
    if left <= 0:
        raise ValidationError(
            _("Line %(line)s of %(so)s is already fully covered by work orders.")
            % {"line": line.line_no, "so": line.order},
            code="covered",
        )
    qty = left if qty is None else positive(qty, _("Quantity"))
    if qty > left:
        raise ValidationError(
            _("Quantity %(qty)s is more than the %(left)s left to arrange on line %(line)s of %(so)s.")
            % {"qty": fmt_decimal(qty), "left": fmt_decimal(left), "line": line.line_no, "so": line.order},
            code="over_arranged",
        )
    finish = planned_finish or line.due_date
    start = planned_start or (finish - datetime.timedelta(days=line.item.lead_time_days))
    return work_order_create(
        item_id=line.item_id,
        qty=qty,
        planned_start=start,
        planned_finish=finish,
        sales_order_line_id=line.pk,
        source=WorkOrder.Source.SALES,
        user=user,
    )


def material_snapshot(wo: WorkOrder, as_of: datetime.date, *, reqs=None, coprods=None) -> list[WorkOrderMaterial]:
    """The order's material list from its BOM; `reqs`/`coprods` when already exploded in bulk."""
    from bom import selectors as bom_selectors

    if reqs is None:
        reqs = bom_selectors.material_list(item_id=wo.item_id, qty=wo.qty, as_of=as_of, bom_id=wo.bom_id)
    if coprods is None:
        coprods = bom_selectors.co_products(item_id=wo.item_id, as_of=as_of, bom_id=wo.bom_id)
    lines = []
    n = 0
    for req in reqs:
        n += 10
        lines.append(
            WorkOrderMaterial(
                work_order=wo,
                line_no=n,
                component_id=req.component_id,
                line_type=LineType.COMPONENT,
                qty_per=round_qty(req.qty_per),
                scrap_rate=req.scrap_rate,
                fixed_loss=round_qty(req.fixed_loss),
                required=round_qty(req.required),
                issue_method=req.issue_method,
                warehouse_id=req.warehouse_id,
                key_part=req.key_part,
                bom_line_id=req.bom_line_id,
                via=",".join(str(i) for i in req.via_item_ids)[:200],
            )
        )
    for component_id, line_type, qty_per, cost_share in coprods:
        n += 10
        lines.append(
            WorkOrderMaterial(
                work_order=wo,
                line_no=n,
                component_id=component_id,
                line_type=line_type,
                qty_per=round_qty(qty_per),
                required=round_qty(wo.qty * qty_per),
                issue_method=IssueMethod.NONE,
                cost_share=cost_share,
            )
        )
    return lines


@transaction.atomic
def work_order_release(*, work_order_id: int, user: User | None = None) -> WorkOrder:
    """下达: snapshot the material list from the BOM valid at the planned start (unless the
    order already has one, e.g. edited by hand or imported)."""
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if wo.status == WorkOrderStatus.RELEASED:
        return wo
    WO_FLOW.check(wo, WorkOrderStatus.RELEASED)
    if not wo.materials.exists() and wo.bom_id:
        WorkOrderMaterial.objects.bulk_create(material_snapshot(wo, wo.planned_start))
    WO_FLOW.apply(wo, WorkOrderStatus.RELEASED)
    wo.released_at = timezone.now()
    wo.confirmed_at = wo.released_at
    wo.confirmed_by = user if getattr(user, "pk", None) else None
    wo.save(update_fields=["status", "released_at", "confirmed_at", "confirmed_by", "updated_at"])
    _planning_change(wo, gettext_noop("%(doc)s released"))
    return wo


def _editable(wo: WorkOrder):
    if not wo.is_open:
        raise StateError(
            _("%(wo)s is %(status)s: its material list can no longer be changed.")
            % {"wo": wo, "status": wo.get_status_display()},
            code="not_editable",
        )


@transaction.atomic
def work_order_material_add(
    *,
    work_order_id: int,
    component_id: int,
    qty_per,
    issue_method: str = IssueMethod.MANUAL,
    warehouse_id: int | None = None,
    scrap_rate=ZERO,
    fixed_loss=ZERO,
    key_part: bool = False,
    line_type: str = LineType.COMPONENT,
    user: User | None = None,
) -> WorkOrderMaterial:
    """Add a line to the material list (qty_per per parent unit; scrap multiplies it)."""
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    _editable(wo)
    scrap = to_decimal(scrap_rate)
    if scrap < 0 or scrap >= 1:
        raise ValidationError(_("The scrap rate must be at least 0 and below 1."), code="scrap")
    per = round_qty(positive(qty_per, _("Quantity per")) * (1 + scrap))
    fixed = non_negative(fixed_loss, _("Fixed loss"))
    if issue_method not in IssueMethod.values or line_type not in LineType.values:
        raise ValidationError(_("Unknown issue method or line type."), code="bad_choice")
    last = wo.materials.aggregate(m=Max("line_no"))["m"] or 0
    _planning_change(wo, gettext_noop("%(doc)s material list changed"), [component_id])
    return WorkOrderMaterial.objects.create(
        work_order=wo,
        line_no=last + 10,
        component_id=component_id,
        line_type=line_type,
        qty_per=per,
        scrap_rate=scrap,
        fixed_loss=fixed,
        required=round_qty(wo.qty * per + fixed),
        issue_method=issue_method if line_type == LineType.COMPONENT else IssueMethod.NONE,
        warehouse_id=warehouse_id,
        key_part=key_part,
    )


@transaction.atomic
def work_order_material_update(
    *,
    material_id: int,
    required=None,
    issue_method: str | None = None,
    warehouse_id: int | None = None,
    user: User | None = None,
) -> WorkOrderMaterial:
    """Edit a line before anything was issued against it."""
    material = WorkOrderMaterial.objects.select_for_update().select_related("work_order").get(pk=material_id)
    _editable(material.work_order)
    if material.touched:
        raise StateError(
            _("Line %(line)s has already been issued: change it with returns or supplements.")
            % {"line": material.line_no},
            code="line_issued",
        )
    if required is not None:
        material.required = non_negative(required, _("Required"))
        material.qty_per = round_qty(material.required / material.work_order.qty)
        material.fixed_loss = ZERO
    if issue_method is not None:
        if issue_method not in IssueMethod.values:
            raise ValidationError(_("Unknown issue method."), code="bad_choice")
        material.issue_method = issue_method
    if warehouse_id is not None:
        material.warehouse_id = warehouse_id
    material.save()
    _planning_change(material.work_order, gettext_noop("%(doc)s material list changed"))
    return material


def material_list_draft(wo: WorkOrder) -> list[WorkOrderMaterial]:
    """The lines a planned order's material list starts from in the entry grid: its own lines,
    else the BOM's snapshot at the planned start (what release would take), unsaved."""
    own = list(wo.materials.select_related("component", "component__uom", "warehouse").order_by("line_no"))
    if own or not wo.bom_id:
        return own
    return material_snapshot(wo, wo.planned_start)


@transaction.atomic
def work_order_materials_replace(*, work_order_id: int, lines: list[dict], user: User | None = None) -> WorkOrder:
    """The material list of a planned order entered in the grid (issue 18): `lines` (component_id,
    required, line_type, issue_method, warehouse_id) replace it as a whole; quantity per =
    required / order quantity. A component on the BOM keeps its BOM line (key part, scrap rate,
    the line costing and MRP trace). Refused once released, with nothing written."""
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    WO_FLOW.check_editable(wo, WorkOrderStatus.PLANNED)
    if not lines:
        raise ValidationError(_("A material list needs at least one line."), code="no_lines")
    components = Item.objects.in_bulk({ln["component_id"] for ln in lines})
    bom_lines: dict[tuple[int, str], list[WorkOrderMaterial]] = {}
    for m in material_snapshot(wo, wo.planned_start) if wo.bom_id else []:
        bom_lines.setdefault((m.component_id, m.line_type), []).append(m)
    before = set(wo.materials.values_list("component_id", flat=True))
    rows = []
    for i, ln in enumerate(lines, start=1):
        component = components.get(ln["component_id"])
        if component is None:
            raise ValidationError(_("Unknown item %(id)s.") % {"id": ln["component_id"]}, code="unknown_item")
        if component.pk == wo.item_id:
            raise ValidationError(
                _("Line %(n)s: %(item)s is the item the order makes.") % {"n": i, "item": component}, code="self"
            )
        line_type = ln.get("line_type") or LineType.COMPONENT
        method = ln.get("issue_method") or IssueMethod.MANUAL
        if line_type not in LineType.values or method not in IssueMethod.values:
            raise ValidationError(_("Unknown issue method or line type."), code="bad_choice")
        required = positive(ln["required"], _("Line %(n)s required quantity") % {"n": i})
        matches = bom_lines.get((component.pk, line_type)) or []
        bom = matches.pop(0) if matches else None
        rows.append(
            WorkOrderMaterial(
                work_order=wo,
                line_no=i * 10,
                component=component,
                line_type=line_type,
                qty_per=round_qty(required / wo.qty),
                scrap_rate=bom.scrap_rate if bom else ZERO,
                required=round_qty(required),
                issue_method=method if line_type == LineType.COMPONENT else IssueMethod.NONE,
                warehouse_id=ln.get("warehouse_id"),
                key_part=bom.key_part if bom else False,
                bom_line_id=bom.bom_line_id if bom else None,
                via=bom.via if bom else "",
                cost_share=bom.cost_share if bom else None,
            )
        )
    wo.materials.all().delete()
    WorkOrderMaterial.objects.bulk_create(rows)
    _planning_change(wo, gettext_noop("%(doc)s material list changed"), sorted(before | {r.component_id for r in rows}))
    return wo


@transaction.atomic
def mark_started(wo: WorkOrder, on_date: datetime.date) -> None:
    """First issue or receipt of a released order starts it (开工)."""
    if wo.status == WorkOrderStatus.RELEASED:
        WO_FLOW.apply(wo, WorkOrderStatus.STARTED)
        wo.actual_start = wo.actual_start or on_date
        wo.save(update_fields=["status", "actual_start", "updated_at"])


def mark_started_bulk(orders: list[WorkOrder], on_date: datetime.date, *, user: User | None = None) -> None:
    """`mark_started` for several locked orders: one UPDATE and one INSERT of history rows."""
    started = []
    now = timezone.now()
    for wo in orders:
        if wo.status == WorkOrderStatus.RELEASED and WO_FLOW.apply(wo, WorkOrderStatus.STARTED):
            wo.actual_start = wo.actual_start or on_date
            wo.updated_at = now
            started.append(wo)
    if started:
        bulk_update_with_history(
            started,
            WorkOrder,
            ["status", "actual_start", "updated_at"],
            default_user=user if getattr(user, "pk", None) else None,
        )


@transaction.atomic
def work_order_start(
    *, work_order_id: int, on_date: datetime.date | None = None, user: User | None = None
) -> WorkOrder:
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if wo.status == WorkOrderStatus.STARTED:
        return wo
    WO_FLOW.check(wo, WorkOrderStatus.STARTED)
    mark_started(wo, on_date or timezone.localdate())
    return wo


@transaction.atomic
def work_order_close(*, work_order_id: int, user: User | None = None) -> WorkOrder:
    """结案: no more pickings or receipts (a short-closed order keeps what it received)."""
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if wo.status == WorkOrderStatus.CLOSED:
        return wo
    if wo.receipts.filter(status="draft").exists() or wo.pickings.filter(status="draft").exists():
        raise StateError(_("%(wo)s still has draft pickings or receipts.") % {"wo": wo}, code="drafts_open")
    WO_FLOW.apply(wo, WorkOrderStatus.CLOSED)
    wo.actual_finish = wo.actual_finish or timezone.localdate()
    wo.save(update_fields=["status", "actual_finish", "updated_at"])
    _planning_change(wo, gettext_noop("%(doc)s closed"))
    return wo


@transaction.atomic
def work_order_cancel(*, work_order_id: int, user: User | None = None) -> WorkOrder:
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if wo.status == WorkOrderStatus.CANCELLED:
        return wo
    WO_FLOW.check(wo, WorkOrderStatus.CANCELLED)
    if wo.received_qty or any(m.touched for m in wo.materials.all()):
        raise StateError(
            _("%(wo)s has issues or receipts: return the material first, then close it.") % {"wo": wo},
            code="has_moves",
        )
    if wo.children.open().exists():
        raise StateError(_("Cancel the child work orders of %(wo)s first.") % {"wo": wo}, code="open_children")
    WO_FLOW.apply(wo, WorkOrderStatus.CANCELLED)
    wo.save(update_fields=["status", "updated_at"])
    _planning_change(wo, gettext_noop("%(doc)s cancelled"))
    # its draft pickings go with it: through the picking flow, with their history rows
    drafts = list(wo.pickings.select_for_update().filter(status=DocStatus.DRAFT).order_by("pk"))
    now = timezone.now()
    for picking in drafts:
        DOC_FLOW.apply(picking, DocStatus.CANCELLED)
        picking.updated_at = now
    if drafts:
        bulk_update_with_history(
            drafts, Picking, ["status", "updated_at"], default_user=user if getattr(user, "pk", None) else None
        )
    return wo


@transaction.atomic
def work_order_create_children(*, work_order_id: int, material_ids=None, user: User | None = None) -> list[WorkOrder]:
    """Child work orders for the manufactured (semi-finished) components of the material list,
    finishing when the parent starts and keeping the parent's (root) sales-order line."""
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if not wo.is_open:
        raise StateError(_("%(wo)s is not open.") % {"wo": wo}, code="not_open")
    qs = wo.materials.components().select_related("component").filter(component__supply_type=SupplyType.MANUFACTURE)
    if material_ids is not None:
        qs = qs.filter(pk__in=list(material_ids))
    existing = set(wo.children.live().values_list("item_id", flat=True))
    children = []
    for m in qs:
        if m.component_id in existing:
            continue
        need = m.remaining
        if need <= 0:
            continue
        finish = wo.planned_start
        start = finish - datetime.timedelta(days=m.component.lead_time_days)
        children.append(
            work_order_create(
                item_id=m.component_id,
                qty=need,
                planned_start=start,
                planned_finish=finish,
                warehouse_id=m.warehouse_id,
                sales_order_line_id=wo.sales_order_line_id,
                parent_id=wo.pk,
                planner=wo.planner,
                source=WorkOrder.Source.CHILD,
                user=user,
            )
        )
    if not children:
        raise ValidationError(
            _("%(wo)s has no manufactured components still to be made.") % {"wo": wo}, code="no_children"
        )
    return children


@transaction.atomic
def work_order_apply_bom(
    *, work_order_id: int, bom_id: int, as_of: datetime.date | None = None, user: User | None = None
) -> WorkOrder:
    """Apply a new BOM version (e.g. after an ECN) to an open order: only unissued lines change.

    Lines with anything issued, returned, backflushed or allocated to a picking stay as they
    are; the other lines are replaced by the new version's lines for components not kept."""
    from bom.models import Bom

    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if not wo.is_open:
        raise StateError(_("%(wo)s is not open.") % {"wo": wo}, code="not_open")
    bom = Bom.objects.filter(pk=bom_id, item_id=wo.item_id).first()
    if bom is None:
        raise ValidationError(_("That BOM does not belong to %(item)s.") % {"item": wo.item}, code="bad_bom")
    _planning_change(wo, gettext_noop("%(doc)s BOM changed"))  # the old components (the new ones: below)
    wo.bom_id, wo.bom_version = bom.pk, bom.version
    wo.save(update_fields=["bom", "bom_version", "updated_at"])
    _planning_change(wo, gettext_noop("%(doc)s BOM changed"))
    if wo.status == WorkOrderStatus.PLANNED:
        return wo  # the snapshot is taken at release
    materials = list(lock_rows(wo.materials.all()).values())
    used = set(WorkOrderMaterial.objects.filter(work_order=wo, allocations__isnull=False).values_list("pk", flat=True))
    kept = [m for m in materials if m.touched or m.pk in used]
    WorkOrderMaterial.objects.filter(pk__in=[m.pk for m in materials if m not in kept]).delete()
    kept_components = {(m.component_id, m.line_type) for m in kept}
    n = max([m.line_no for m in kept], default=0)
    new = []
    for line in material_snapshot(wo, as_of or wo.planned_start):
        if (line.component_id, line.line_type) in kept_components:
            continue
        n += 10
        line.line_no = n
        new.append(line)
    WorkOrderMaterial.objects.bulk_create(new)
    return wo


@transaction.atomic
def work_order_report_scrap(*, work_order_id: int, qty, user: User | None = None) -> WorkOrder:
    """Record scrapped parent units (报废): they leave 未入库 without a receipt."""
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if wo.status not in IN_PRODUCTION_WO_STATUSES:
        raise StateError(_("%(wo)s is not in production.") % {"wo": wo}, code="not_started")
    qty = positive(qty, _("Quantity"))
    if qty > wo.open_qty:
        raise ValidationError(
            _("At most %(open)s can be scrapped (not yet received).") % {"open": wo.open_qty.normalize()},
            code="over_scrap",
        )
    wo.scrapped_qty += qty
    wo.save(update_fields=["scrapped_qty", "updated_at"])
    _planning_change(wo, gettext_noop("%(doc)s scrap reported"))
    return wo


def work_order_kitting_record(*, results: dict[int, tuple[str, Decimal]], at: datetime.datetime) -> int:
    """Write the result of a kitting analysis (齐套分析, mrp.services.analysis) back on the work
    orders: {work order id: (status, kittable sets)} and the analysis time. One UPDATE per 1,000
    orders on PostgreSQL (one per distinct result elsewhere); these fields are not in the order's
    history (an analysis is not a change of the order)."""
    from django.db import connection

    if not results:
        return 0
    items = sorted((pk, st, round_qty(sets)) for pk, (st, sets) in results.items())
    if connection.vendor != "postgresql":
        groups: dict[tuple, list[int]] = {}
        for pk, st, sets in items:
            groups.setdefault((st, sets), []).append(pk)
        for (st, sets), ids in groups.items():
            WorkOrder.objects.filter(pk__in=ids).update(kit_status=st, kittable_sets=sets, kit_analysed_at=at)
        return len(items)
    table = WorkOrder._meta.db_table
    with connection.cursor() as cur:
        for i in range(0, len(items), 1000):
            chunk = items[i : i + 1000]
            values = ", ".join(["(%s::bigint, %s::varchar, %s::numeric)"] * len(chunk))
            params: list = [x for row in chunk for x in row]
            cur.execute(
                f"UPDATE {table} AS w SET kit_status = v.s, kittable_sets = v.k, kit_analysed_at = %s "
                f"FROM (VALUES {values}) AS v(id, s, k) WHERE w.id = v.id",
                [at, *params],
            )
    return len(items)


@transaction.atomic
def work_order_change(
    *,
    work_order_id: int,
    reason: str,
    qty=None,
    planned_start: datetime.date | None = None,
    planned_finish: datetime.date | None = None,
    user: User | None = None,
) -> WorkOrder:
    """变更: change the quantity and/or the planned dates of an open (planned, released or started)
    order, with a reason. The quantity never goes below what was received and scrapped. The
    material list is recomputed for the new quantity (required = qty × per + fixed loss; what was
    issued stays); the order's history row carries the reason (audit); the last kitting result
    is cleared (stale). The only place that changes these fields after release."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for the change."), code="no_reason")
    wo = WorkOrder.objects.select_for_update().get(pk=work_order_id)
    if not wo.is_open:
        raise StateError(
            _("%(wo)s is %(status)s: it can no longer be changed.") % {"wo": wo, "status": wo.get_status_display()},
            code="not_changeable",
        )
    new_qty = wo.qty if qty is None else positive(qty, _("Quantity"))
    start = planned_start or wo.planned_start
    finish = planned_finish or wo.planned_finish
    done = wo.received_qty + wo.scrapped_qty
    if new_qty < done:
        raise ValidationError(
            _("%(wo)s: the quantity cannot go below the %(done)s already received or scrapped.")
            % {"wo": wo, "done": fmt_decimal(done)},
            code="below_received",
        )
    if finish < start:
        raise ValidationError(_("The planned finish is before the planned start."), code="dates")
    if new_qty == wo.qty and start == wo.planned_start and finish == wo.planned_finish:
        return wo
    old_qty = wo.qty
    if new_qty != old_qty:
        materials = list(lock_rows(wo.materials.all()).values())
        for m in materials:
            if m.line_type == LineType.COMPONENT:
                m.required = round_qty(new_qty * m.qty_per + m.fixed_loss)
            else:
                m.required = round_qty(new_qty * m.qty_per)
        WorkOrderMaterial.objects.bulk_update(materials, ["required"])
    wo.qty, wo.planned_start, wo.planned_finish = new_qty, start, finish
    wo.kit_status, wo.kittable_sets, wo.kit_analysed_at = "", None, None
    note = _("Changed: quantity %(old)s → %(new)s: %(reason)s") % {
        "old": fmt_decimal(old_qty),
        "new": fmt_decimal(new_qty),
        "reason": reason,
    }
    wo._change_reason = note[:100]  # type: ignore[attr-defined]  # the history row's reason (audit)
    wo.save(
        update_fields=["qty", "planned_start", "planned_finish", "kit_status", "kittable_sets", "kit_analysed_at",
                       "updated_at"]
    )  # fmt: skip
    _planning_change(wo, gettext_noop("%(doc)s changed"))
    return wo
