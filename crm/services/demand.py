"""Demand link (issue 19 item 5): the products of an opportunity become the lines of a draft
quotation, and the open pipeline, weighted by probability, becomes forecast entries (备货生产)
for a month that keep their source opportunity. Rules: docs/crm.md "Demand link"."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, round_qty, to_decimal
from erp.locks import lock_row, lock_rows
from erp.types import User
from inventory.models import Item

from ..models import Forecast, Opportunity, OpportunityLine, Quotation
from ..states import OPEN_STAGES, QuotationStatus, Stage
from .orders import LineInput, quotation_create

# stages whose products may be quoted: a proposal is being made, it is negotiated, or it is won
QUOTABLE_STAGES = (Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON)
HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- opportunity lines
@transaction.atomic
def opportunity_line_add(
    *, opportunity_id: int, item_id: int, qty: Decimal, unit_price: Decimal, user: User | None
) -> OpportunityLine:
    """A product line of an opportunity (not of a lost one)."""
    opp = lock_row(Opportunity, opportunity_id)
    if opp.stage == Stage.LOST:
        raise StateError(_("%(opp)s is lost; its products cannot be changed.") % {"opp": opp})
    if not Item.objects.filter(pk=item_id).exists():
        raise ValidationError(_("Unknown item."))
    if to_decimal(qty) <= 0:
        raise ValidationError(_("The quantity must be greater than 0."))
    if to_decimal(unit_price) < 0:
        raise ValidationError(_("The expected unit price cannot be negative."))
    last = opp.lines.aggregate(n=Max("line_no"))["n"] or 0
    return OpportunityLine.objects.create(
        opportunity=opp, line_no=last + 1, item_id=item_id, qty=to_decimal(qty), unit_price=to_decimal(unit_price)
    )


@transaction.atomic
def opportunity_line_delete(*, opportunity_id: int, line_id: int, user: User | None) -> None:
    """Remove a product line (only through its own opportunity; a missing line: DoesNotExist)."""
    opp = lock_row(Opportunity, opportunity_id)
    line = opp.lines.get(pk=line_id)
    if opp.stage == Stage.LOST:
        raise StateError(_("%(opp)s is lost; its products cannot be changed.") % {"opp": opp})
    line.delete()


# --------------------------------------------------------------------------- quotation
@transaction.atomic
def opportunity_quotation_create(*, opportunity_id: int, user: User | None) -> Quotation:
    """A draft quotation with the opportunity's product lines (quantity and expected unit price,
    default tax rate, no discount). Idempotent: when the opportunity already has a quotation that
    is not cancelled, that (first) quotation is returned and nothing is created."""
    opp = lock_row(Opportunity, opportunity_id)
    existing = opp.quotations.exclude(status=QuotationStatus.CANCELLED).order_by("pk").first()
    if existing is not None:
        return existing
    if opp.stage not in QUOTABLE_STAGES:
        raise StateError(
            _(
                "%(opp)s is at stage %(stage)s: a quotation is made from a won opportunity or one at "
                "the proposal or negotiation stage."
            )
            % {"opp": opp, "stage": opp.get_stage_display()}
        )
    lines = list(opp.lines.order_by("line_no"))
    if not lines:
        raise ValidationError(
            _("%(opp)s has no products: add its product lines before making a quotation.") % {"opp": opp}
        )
    return quotation_create(
        customer_id=opp.customer_id,
        opportunity_id=opp.pk,
        user=user,
        lines=[LineInput(ln.item_id, ln.qty, ln.unit_price) for ln in lines],
    )


# --------------------------------------------------------------------------- forecasts
def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def weighted_qty(qty: Decimal, probability: int) -> Decimal:
    """qty × probability %, half-up to the quantity precision (6 places)."""
    return round_qty(to_decimal(qty) * Decimal(probability) / HUNDRED)


def _names(opps) -> str:
    return ", ".join(str(o) for o in opps)


@transaction.atomic
def opportunity_forecasts_create(
    *, month: datetime.date, user: User | None, opportunity_ids: list[int] | None = None
) -> list[Forecast]:
    """备货生产 from the pipeline: for each open opportunity (initial … negotiation) with product
    lines, one forecast entry per item dated the first day of `month` with Σ line qty × the
    opportunity's probability; the entry keeps the opportunity as its source. `opportunity_ids`
    None: every open opportunity with lines. All or nothing: an opportunity that already has
    entries in that month, is not open or has no lines refuses the whole call."""
    first = month_start(month)
    if opportunity_ids is None:
        with_lines = OpportunityLine.objects.values("opportunity_id")
        opps = lock_rows(Opportunity.objects.filter(stage__in=OPEN_STAGES, pk__in=with_lines))
        if not opps:
            raise ValidationError(_("No open opportunity has product lines; nothing to forecast."))
    else:
        ids = sorted({int(i) for i in opportunity_ids})
        if not ids:
            raise ValidationError(_("Choose at least one opportunity."))
        opps = lock_rows(Opportunity.objects.all(), ids)
        if len(opps) != len(ids):
            raise ValidationError(_("Unknown opportunity."))
        closed = [o for o in opps.values() if o.stage not in OPEN_STAGES]
        if closed:
            raise StateError(
                _("Only open opportunities are forecast; won or lost: %(names)s. Nothing was created.")
                % {"names": _names(closed)}
            )
    lines = list(
        OpportunityLine.objects.filter(opportunity_id__in=list(opps)).values_list("opportunity_id", "item_id", "qty")
    )
    without = [o for pk, o in opps.items() if pk not in {ln[0] for ln in lines}]
    if without:
        raise ValidationError(
            _("These opportunities have no product lines: %(names)s. Nothing was created.") % {"names": _names(without)}
        )
    existing = list(
        Forecast.objects.filter(opportunity_id__in=list(opps), date__year=first.year, date__month=first.month)
        .select_related("item", "opportunity")
        .order_by("opportunity_id", "item__code")
    )
    if existing:
        shown = "; ".join(
            f"{f.opportunity}: {f.item.code} {f.date.isoformat()} {fmt_decimal(f.qty, 6)}" for f in existing[:10]
        )
        if len(existing) > 10:
            shown += " …"
        raise StateError(
            _(
                "Forecast entries from these opportunities already exist for %(month)s: %(entries)s. Nothing was created."
            )
            % {"month": first.strftime("%Y-%m"), "entries": shown}
        )
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for opp_id, item_id, qty in lines:
        totals[(opp_id, item_id)] += qty
    new = []
    for (opp_id, item_id), qty in sorted(totals.items()):
        opp = opps[opp_id]
        weighted = weighted_qty(qty, opp.probability)
        if weighted <= 0:
            continue  # probability 0 %: no demand
        note = _("Pipeline: %(opp)s, %(qty)s × %(p)s %%") % {
            "opp": opp.name,
            "qty": fmt_decimal(qty, 6),
            "p": opp.probability,
        }
        new.append(Forecast(item_id=item_id, date=first, qty=weighted, opportunity_id=opp_id, note=note[:200]))
    if not new:
        raise ValidationError(_("Every chosen opportunity has probability 0 %; nothing to forecast."))
    Forecast.objects.bulk_create(new)
    # bulk_create sends no post_save: record the planning change once (crm.planning does it per row)
    from inventory.services.planning import record_planning_change

    record_planning_change(
        item_ids=[f.item_id for f in new],
        cause=gettext_noop("Forecast from the pipeline for %(month)s"),
        params={"month": first.strftime("%Y-%m")},
        kind="forecast",
    )
    return new
