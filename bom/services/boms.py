"""Writes of BOMs: create, edit (draft only), approve, disable, new version; cycle check and
low-level codes."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, to_decimal
from erp.locks import AdvisoryLock, advisory_lock
from erp.types import User
from inventory.models import Item

from .. import engine
from ..models import Bom, BomLine, IssueMethod, LineType, version_key
from ..selectors import cycle_message
from ..states import BOM_FLOW, BomStatus


@dataclass
class LineInput:
    component_id: int
    qty_per: Decimal
    line_no: int | None = None
    scrap_rate: Decimal = ZERO
    fixed_loss: Decimal = ZERO
    issue_method: str = IssueMethod.MANUAL
    issue_warehouse_id: int | None = None
    key_part: bool = False
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    line_type: str = LineType.COMPONENT
    cost_share: Decimal | None = None
    note: str = ""


# --- checks ----------------------------------------------------------------------------------


def _check_item_can_have_bom(item: Item) -> None:
    if not item.can_have_bom:
        raise ValidationError(
            _("%(item)s is a purchased item; only items that are made or outsourced have a BOM.") % {"item": item.code},
            code="no_bom_for_purchased",
        )


def check_not_ecn_controlled(item: Item) -> None:
    """Items under change control change their BOM only through an ECN (once one is approved)."""
    if Bom.objects.under_change_control([item]):
        raise ValidationError(
            _("%(item)s is under engineering change control: change its BOM through an ECN.") % {"item": item.code},
            code="ecn_controlled",
        )


def check_line(line: LineInput, *, parent: Item) -> None:
    qty = to_decimal(line.qty_per)
    if qty <= 0:
        raise ValidationError(
            _("Quantity per must be greater than 0 (got %(qty)s).") % {"qty": fmt_decimal(qty)}, code="bad_qty"
        )
    scrap = to_decimal(line.scrap_rate)
    if scrap < 0 or scrap >= 1:
        raise ValidationError(
            _("Scrap rate must be at least 0 and less than 1 (got %(rate)s).") % {"rate": fmt_decimal(scrap)},
            code="bad_scrap",
        )
    if to_decimal(line.fixed_loss) < 0:
        raise ValidationError(_("Fixed loss cannot be negative."), code="bad_fixed_loss")
    if line.valid_from and line.valid_to and line.valid_to < line.valid_from:
        raise ValidationError(_("'Valid to' is before 'valid from'."), code="bad_validity")
    if line.issue_method not in IssueMethod.values:
        raise ValidationError(_("Unknown issue method %(m)s.") % {"m": line.issue_method}, code="bad_issue_method")
    if line.line_type not in LineType.values:
        raise ValidationError(_("Unknown line type %(t)s.") % {"t": line.line_type}, code="bad_line_type")
    if line.component_id == parent.pk:
        raise ValidationError(
            cycle_message([parent.pk, parent.pk], {parent.pk: parent.code}),
            code="bom_cycle",
        )


def approved_edges(*, exclude_bom_id: int | None = None) -> dict[int, set[int]]:
    """parent item -> component items over every approved BOM (component lines only)."""
    qs = BomLine.objects.filter(bom__status=BomStatus.APPROVED, line_type=LineType.COMPONENT)
    if exclude_bom_id:
        qs = qs.exclude(bom_id=exclude_bom_id)
    edges: dict[int, set[int]] = defaultdict(set)
    for parent, comp in qs.values_list("bom__item_id", "component_id"):
        edges[parent].add(comp)
    return edges


def lock_structure() -> None:
    """Serialize structure changes (two approvals could each close half of a loop): a
    transaction-scoped advisory lock on PostgreSQL. Every BOM write takes it FIRST, before any
    row lock, so lock order is always advisory → rows (no deadlocks)."""
    advisory_lock(AdvisoryLock.BOM_STRUCTURE)


def check_cycle(*, item_id: int, component_ids, exclude_bom_id: int | None = None) -> None:
    """Refuse when adding `component_ids` under `item_id` closes a loop with the approved BOMs."""
    lock_structure()
    edges = approved_edges(exclude_bom_id=exclude_bom_id)
    edges[item_id] = edges.get(item_id, set()) | set(component_ids)
    path = engine.find_cycle(edges, item_id)
    if path:
        raise ValidationError(cycle_message(path), code="bom_cycle", details=path)


def _check_draft(bom: Bom) -> None:
    if bom.status != BomStatus.DRAFT:
        raise StateError(
            _("%(bom)s is %(status)s: only draft BOMs can be edited; make a new version.")
            % {"bom": bom, "status": bom.get_status_display()},
            code="not_draft",
        )


def _lock(bom_id: int) -> Bom:
    return Bom.objects.select_for_update(of=("self",)).select_related("item").get(pk=bom_id)


def next_version(item_id: int) -> str:
    versions = list(Bom.objects.filter(item_id=item_id).values_list("version", flat=True))
    if not versions:
        return "V1.0"
    major, minor = max(version_key(v) for v in versions)
    return f"V{max(major, 1)}.{minor + 1}"


def _line_obj(bom: Bom, line: LineInput, line_no: int) -> BomLine:
    return BomLine(
        bom=bom,
        line_no=line.line_no or line_no,
        component_id=line.component_id,
        qty_per=to_decimal(line.qty_per),
        scrap_rate=to_decimal(line.scrap_rate),
        fixed_loss=to_decimal(line.fixed_loss),
        issue_method=line.issue_method,
        issue_warehouse_id=line.issue_warehouse_id,
        key_part=line.key_part,
        valid_from=line.valid_from,
        valid_to=line.valid_to,
        line_type=line.line_type,
        cost_share=line.cost_share,
        note=line.note,
    )


# --- services --------------------------------------------------------------------------------


@transaction.atomic
def bom_create(
    *,
    item_id: int,
    output_qty: Decimal = Decimal("1"),
    skip_level: bool = False,
    notes: str = "",
    lines: list[LineInput] | None = None,
    version: str | None = None,
    user: User | None = None,
    _via_ecn: bool = False,
) -> Bom:
    """A new draft version of the item's BOM (V1.0 first, then V1.1 …)."""
    lock_structure()
    item = Item.objects.select_for_update().get(pk=item_id)
    _check_item_can_have_bom(item)
    if not _via_ecn:
        check_not_ecn_controlled(item)
    if to_decimal(output_qty) <= 0:
        raise ValidationError(_("Output quantity must be greater than 0."), code="bad_output_qty")
    version = version or next_version(item_id)
    if version_key(version) == (-1, -1):
        raise ValidationError(_("Version must look like V1.0."), code="bad_version")
    if Bom.objects.filter(item_id=item_id, version=version).exists():
        raise ValidationError(
            _("%(item)s already has a BOM version %(version)s.") % {"item": item.code, "version": version},
            code="duplicate_version",
        )
    lines = lines or []
    for line in lines:
        check_line(line, parent=item)
    if lines:
        check_cycle(item_id=item_id, component_ids={ln.component_id for ln in lines if ln.line_type == "component"})
    bom = Bom.objects.create(
        item=item,
        version=version,
        output_qty=to_decimal(output_qty),
        skip_level=skip_level,
        notes=notes,
        created_by=user if getattr(user, "pk", None) else None,
    )
    BomLine.objects.bulk_create([_line_obj(bom, ln, (i + 1) * 10) for i, ln in enumerate(lines)])
    return bom


@transaction.atomic
def bom_update(*, bom_id: int, output_qty: Decimal, skip_level: bool, notes: str = "", user: User | None = None) -> Bom:
    lock_structure()
    bom = _lock(bom_id)
    _check_draft(bom)
    check_not_ecn_controlled(bom.item)
    if to_decimal(output_qty) <= 0:
        raise ValidationError(_("Output quantity must be greater than 0."), code="bad_output_qty")
    bom.output_qty = to_decimal(output_qty)
    bom.skip_level = skip_level
    bom.notes = notes
    bom.save()
    return bom


@transaction.atomic
def bom_line_add(*, bom_id: int, line: LineInput, user: User | None = None) -> BomLine:
    lock_structure()
    bom = _lock(bom_id)
    _check_draft(bom)
    check_not_ecn_controlled(bom.item)
    check_line(line, parent=bom.item)
    if line.line_type == LineType.COMPONENT:
        check_cycle(item_id=bom.item_id, component_ids={line.component_id})
    last = bom.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    obj = _line_obj(bom, line, last + 10)
    obj.save()
    return obj


@transaction.atomic
def bom_line_update(*, line_id: int, line: LineInput, user: User | None = None) -> BomLine:
    lock_structure()
    obj = BomLine.objects.select_related("bom").get(pk=line_id)
    bom = _lock(obj.bom_id)
    _check_draft(bom)
    check_not_ecn_controlled(bom.item)
    check_line(line, parent=bom.item)
    if line.line_type == LineType.COMPONENT:
        check_cycle(item_id=bom.item_id, component_ids={line.component_id})
    new = _line_obj(bom, line, obj.line_no)
    new.pk = obj.pk
    new.save()
    return new


@transaction.atomic
def bom_line_delete(*, line_id: int, bom_id: int | None = None, user: User | None = None) -> None:
    """Delete a line of a draft BOM; with `bom_id` only a line of that BOM (others: DoesNotExist)."""
    lock_structure()
    lines = BomLine.objects.filter(bom_id=bom_id) if bom_id is not None else BomLine.objects.all()
    obj = lines.get(pk=line_id)
    bom = _lock(obj.bom_id)
    _check_draft(bom)
    check_not_ecn_controlled(bom.item)
    obj.delete()


@transaction.atomic
def bom_approve(*, bom_id: int, user: User | None = None, _via_ecn: bool = False) -> Bom:
    """Draft (or disabled) → approved: cycle check over all approved BOMs, then low-level codes."""
    lock_structure()
    bom = _lock(bom_id)
    if bom.status == BomStatus.APPROVED:
        return bom
    if not _via_ecn:
        check_not_ecn_controlled(bom.item)
    BOM_FLOW.check(bom, BomStatus.APPROVED)
    comps = set(bom.lines.filter(line_type=LineType.COMPONENT).values_list("component_id", flat=True))
    if not comps:
        raise ValidationError(_("%(bom)s has no component lines.") % {"bom": bom}, code="empty_bom")
    check_cycle(item_id=bom.item_id, component_ids=comps, exclude_bom_id=bom.pk)
    BOM_FLOW.apply(bom, BomStatus.APPROVED)
    bom.approved_at = timezone.now()
    bom.approved_by = user if getattr(user, "pk", None) else None
    bom.save()
    bom_low_level_codes_update()
    return bom


@transaction.atomic
def bom_disable(*, bom_id: int, user: User | None = None) -> Bom:
    lock_structure()
    bom = _lock(bom_id)
    if bom.status == BomStatus.DISABLED:
        return bom
    BOM_FLOW.apply(bom, BomStatus.DISABLED)
    bom.save()
    bom_low_level_codes_update()
    return bom


@transaction.atomic
def bom_new_version(*, bom_id: int, user: User | None = None) -> Bom:
    """Copy a version into a new draft (next version number) to edit it."""
    src = Bom.objects.select_related("item").get(pk=bom_id)
    check_not_ecn_controlled(src.item)
    lines = [
        LineInput(
            component_id=ln.component_id,
            qty_per=ln.qty_per,
            line_no=ln.line_no,
            scrap_rate=ln.scrap_rate,
            fixed_loss=ln.fixed_loss,
            issue_method=ln.issue_method,
            issue_warehouse_id=ln.issue_warehouse_id,
            key_part=ln.key_part,
            valid_from=ln.valid_from,
            valid_to=ln.valid_to,
            line_type=ln.line_type,
            cost_share=ln.cost_share,
            note=ln.note,
        )
        for ln in src.lines.order_by("line_no", "id")
    ]
    return bom_create(
        item_id=src.item_id,
        output_qty=src.output_qty,
        skip_level=src.skip_level,
        notes=src.notes,
        lines=lines,
        user=user,
    )


def bom_low_level_codes_update() -> int:
    """Recompute every item's low-level code from the approved BOMs; bulk update; returns changed."""
    edges = approved_edges()
    try:
        codes = engine.low_level_codes(edges)
    except ValueError:
        raise ValidationError(_("The approved BOMs contain a cycle."), code="bom_cycle") from None
    changed = []
    for item in Item.objects.filter(Q(pk__in=set(codes)) | Q(low_level_code__gt=0)).only("id", "low_level_code"):
        new = codes.get(item.pk, 0)
        if item.low_level_code != new:
            item.low_level_code = new
            changed.append(item)
    Item.objects.bulk_update(changed, ["low_level_code"], batch_size=1000)
    return len(changed)
