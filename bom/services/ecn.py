"""Engineering change notices (工程变更单): the only way to change a controlled item's BOM.

Approving an ECN creates the next BOM version (approved) from the changed version: unchanged
lines are copied; a removed, replaced or re-quantified line ends the day before the effective
date (`valid_to`), the replacement / new quantity / added line starts on it (`valid_from`).
The changed version is disabled (the new one carries both states through its validity dates).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import to_decimal
from erp.numbering import next_number
from erp.types import User
from inventory.models import Item

from ..models import Bom, BomLine, ChangeAction, Ecn, EcnLine, StockHandling
from ..selectors import default_bom
from ..states import BOM_FLOW, ECN_FLOW, BomStatus, EcnStatus
from .boms import LineInput, bom_approve, bom_create, lock_structure


@dataclass
class EcnLineInput:
    action: str
    old_component_id: int | None = None
    new_component_id: int | None = None
    qty_per: Decimal | None = None
    scrap_rate: Decimal | None = None
    note: str = ""


def _check_lines(base: Bom, lines: list[EcnLineInput]) -> None:
    current = set(base.lines.values_list("component_id", flat=True))
    for n, ln in enumerate(lines, start=1):
        if ln.action not in ChangeAction.values:
            raise ValidationError(_("Line %(n)s: unknown change %(a)s.") % {"n": n, "a": ln.action}, code="bad_action")
        if ln.action in (ChangeAction.REMOVE, ChangeAction.REPLACE, ChangeAction.CHANGE_QTY):
            if not ln.old_component_id:
                raise ValidationError(_("Line %(n)s: choose the old component.") % {"n": n}, code="no_old")
            if ln.old_component_id not in current:
                code = Item.objects.filter(pk=ln.old_component_id).values_list("code", flat=True).first()
                raise ValidationError(
                    _("Line %(n)s: %(item)s is not in %(bom)s.") % {"n": n, "item": code, "bom": base},
                    code="old_not_in_bom",
                )
        if ln.action in (ChangeAction.ADD, ChangeAction.REPLACE) and not ln.new_component_id:
            raise ValidationError(_("Line %(n)s: choose the new component.") % {"n": n}, code="no_new")
        if ln.action in (ChangeAction.ADD, ChangeAction.CHANGE_QTY) and (
            ln.qty_per is None or to_decimal(ln.qty_per) <= 0
        ):
            raise ValidationError(_("Line %(n)s: quantity per must be greater than 0.") % {"n": n}, code="bad_qty")
        if ln.qty_per is not None and to_decimal(ln.qty_per) <= 0:
            raise ValidationError(_("Line %(n)s: quantity per must be greater than 0.") % {"n": n}, code="bad_qty")
        if ln.scrap_rate is not None and not (0 <= to_decimal(ln.scrap_rate) < 1):
            raise ValidationError(
                _("Line %(n)s: scrap rate must be at least 0 and less than 1.") % {"n": n}, code="bad_scrap"
            )


def _line_objs(ecn: Ecn, lines: list[EcnLineInput], start: int = 10) -> list[EcnLine]:
    return [
        EcnLine(
            ecn=ecn,
            line_no=start + i * 10,
            action=ln.action,
            old_component_id=ln.old_component_id,
            new_component_id=ln.new_component_id,
            qty_per=to_decimal(ln.qty_per) if ln.qty_per is not None else None,
            scrap_rate=to_decimal(ln.scrap_rate) if ln.scrap_rate is not None else None,
            note=ln.note,
        )
        for i, ln in enumerate(lines)
    ]


@transaction.atomic
def ecn_create(
    *,
    item_id: int,
    effective_date: datetime.date,
    stock_handling: str = StockHandling.USE_UP,
    reason: str = "",
    lines: list[EcnLineInput] | None = None,
    user: User | None = None,
) -> Ecn:
    """A draft ECN against the item's default (highest approved) BOM."""
    item = Item.objects.get(pk=item_id)
    base = default_bom(item_id)
    if base is None:
        raise ValidationError(
            _("%(item)s has no approved BOM to change.") % {"item": item.code}, code="no_approved_bom"
        )
    if stock_handling not in StockHandling.values:
        raise ValidationError(_("Unknown old-stock handling."), code="bad_handling")
    lines = lines or []
    _check_lines(base, lines)
    ecn = Ecn.objects.create(
        number=next_number("ECN", on_date=effective_date),
        item=item,
        base_bom=base,
        effective_date=effective_date,
        stock_handling=stock_handling,
        reason=reason,
        created_by=user if getattr(user, "pk", None) else None,
    )
    EcnLine.objects.bulk_create(_line_objs(ecn, lines))
    return ecn


def _lock(ecn_id: int) -> Ecn:
    return Ecn.objects.select_for_update(of=("self",)).select_related("item", "base_bom").get(pk=ecn_id)


def _check_draft(ecn: Ecn) -> None:
    if not ecn.is_editable():
        raise StateError(
            _("%(ecn)s is %(status)s and cannot be edited.") % {"ecn": ecn, "status": ecn.get_status_display()},
            code="not_draft",
        )


@transaction.atomic
def ecn_line_add(*, ecn_id: int, line: EcnLineInput, user: User | None = None) -> EcnLine:
    ecn = _lock(ecn_id)
    _check_draft(ecn)
    _check_lines(ecn.base_bom, [line])
    last = ecn.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    obj = _line_objs(ecn, [line], start=last + 10)[0]
    obj.save()
    return obj


@transaction.atomic
def ecn_line_delete(*, line_id: int, ecn_id: int | None = None, user: User | None = None) -> None:
    """Delete a line of a draft ECN; with `ecn_id` only a line of that ECN (others: DoesNotExist)."""
    lines = EcnLine.objects.filter(ecn_id=ecn_id) if ecn_id is not None else EcnLine.objects.all()
    obj = lines.get(pk=line_id)
    ecn = _lock(obj.ecn_id)
    _check_draft(ecn)
    obj.delete()


def _as_input(ln: BomLine) -> LineInput:
    return LineInput(
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


def new_version_lines(base_lines: list[BomLine], changes: list[EcnLine], eff: datetime.date) -> list[LineInput]:
    """The lines of the version an ECN creates (see module docstring)."""
    day_before = eff - datetime.timedelta(days=1)
    out: list[LineInput] = [_as_input(ln) for ln in base_lines]
    next_no = max([ln.line_no for ln in base_lines] + [0])

    def end_old(component_id) -> list[LineInput]:
        ended = []
        for li in list(out):
            if li.component_id != component_id or li.line_type != "component":
                continue
            if li.valid_to is not None and li.valid_to < eff:
                continue  # already ended before the change
            ended.append(replace(li))
            if li.valid_from is not None and li.valid_from > day_before:
                out.remove(li)  # would only have started after the change
            else:
                li.valid_to = day_before
        return ended

    for ch in changes:
        if ch.action == ChangeAction.ADD:
            assert ch.new_component_id is not None  # validated when the line was added
            next_no += 10
            out.append(
                LineInput(
                    component_id=ch.new_component_id,
                    qty_per=ch.qty_per,
                    line_no=next_no,
                    scrap_rate=ch.scrap_rate or Decimal("0"),
                    valid_from=eff,
                    note=ch.ecn.number,
                )
            )
            continue
        old = end_old(ch.old_component_id)
        if ch.action == ChangeAction.REMOVE:
            continue
        for li in old:
            next_no += 10
            new = replace(
                li,
                line_no=next_no,
                valid_from=eff if li.valid_from is None or li.valid_from < eff else li.valid_from,
                note=ch.ecn.number,
            )
            if ch.action == ChangeAction.REPLACE:
                assert ch.new_component_id is not None  # validated when the line was added
                new.component_id = ch.new_component_id
            if ch.qty_per is not None:
                new.qty_per = ch.qty_per
            if ch.scrap_rate is not None:
                new.scrap_rate = ch.scrap_rate
            out.append(new)
    return out


@transaction.atomic
def ecn_approve(*, ecn_id: int, user: User | None = None) -> Ecn:
    """Draft → approved: creates and approves the next BOM version, disables the changed one."""
    lock_structure()
    ecn = _lock(ecn_id)
    if ecn.status == EcnStatus.APPROVED:
        return ecn
    ECN_FLOW.check(ecn, EcnStatus.APPROVED)
    changes = list(ecn.lines.select_related("ecn").order_by("line_no", "id"))
    if not changes:
        raise ValidationError(_("%(ecn)s has no change lines.") % {"ecn": ecn}, code="empty_ecn")
    base = Bom.objects.select_for_update().get(pk=ecn.base_bom_id)
    if base.status != BomStatus.APPROVED:
        raise ValidationError(
            _("%(bom)s is no longer approved; make a new ECN on the current version.") % {"bom": base},
            code="base_not_approved",
        )
    lines = new_version_lines(list(base.lines.order_by("line_no", "id")), changes, ecn.effective_date)
    new = bom_create(
        item_id=ecn.item_id,
        output_qty=base.output_qty,
        skip_level=base.skip_level,
        notes=base.notes,
        lines=lines,
        user=user,
        _via_ecn=True,
    )
    new.ecn = ecn
    new.save(update_fields=["ecn"])
    BOM_FLOW.apply(base, BomStatus.DISABLED)
    base.save(update_fields=["status", "updated_at"])
    bom_approve(bom_id=new.pk, user=user, _via_ecn=True)
    ECN_FLOW.apply(ecn, EcnStatus.APPROVED)
    ecn.new_bom = new
    ecn.confirmed_at = timezone.now()
    ecn.confirmed_by = user if getattr(user, "pk", None) else None
    ecn.save()
    return ecn


@transaction.atomic
def ecn_cancel(*, ecn_id: int, user: User | None = None) -> Ecn:
    ecn = _lock(ecn_id)
    if ecn.status == EcnStatus.CANCELLED:
        return ecn
    ECN_FLOW.apply(ecn, EcnStatus.CANCELLED)
    ecn.save()
    return ecn
