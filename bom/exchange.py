"""boms.csv on the data exchange engine (order 40).

First import of a parent creates V1.0 approved; re-importing the same lines changes nothing;
changed lines (or header output_qty / skip_level) create the next version (V1.1 …) approved
and disable the previous default. All-or-nothing, bulk reads and writes.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from erp.exchange.engine import ExchangeFile, ImportContext, Row, register
from erp.fields import ZERO
from inventory.models import Item

from . import engine
from .models import Bom, BomLine, IssueMethod, LineType, version_key
from .selectors import cycle_message
from .states import DISABLE_FROM, BomStatus

COLUMNS = [
    "parent_code",
    "output_qty",
    "component_code",
    "qty_per",
    "scrap_rate",
    "fixed_loss",
    "issue_method",
    "key_part",
    "skip_level",
    "valid_from",
    "valid_to",
    "line_type",
    "cost_share",
]
ONE = Decimal("1")


def _signature(lines) -> list[tuple]:
    return sorted(
        (
            (
                ln["component_id"],
                ln["qty_per"],
                ln["scrap_rate"],
                ln["fixed_loss"],
                ln["issue_method"],
                ln["key_part"],
                ln["valid_from"] or "",
                ln["valid_to"] or "",
                ln["line_type"],
                ln["cost_share"] if ln["cost_share"] is not None else "",
            )
            for ln in lines
        ),
        key=str,
    )


def import_boms(rows: list[Row], ctx: ImportContext) -> None:
    from .services.boms import lock_structure

    lock_structure()
    codes = {r.get("parent_code", "") for r in rows} | {r.get("component_code", "") for r in rows}
    items = {
        i.code: i
        for i in Item.objects.filter(code__in=codes - {""}).only("id", "code", "supply_type", "ecn_controlled")
    }
    parents: dict[int, dict] = {}
    for row in rows:
        pcode = ctx.text(row, "parent_code")
        ccode = ctx.text(row, "component_code")
        parent = items.get(pcode) if pcode else None
        comp = items.get(ccode) if ccode else None
        if pcode and parent is None:
            ctx.error(row, "parent_code", _("'%(code)s' is not an item") % {"code": pcode})
        elif parent is not None and not parent.can_have_bom:
            ctx.error(row, "parent_code", _("'%(code)s' is a purchased item and cannot have a BOM") % {"code": pcode})
        if ccode and comp is None:
            ctx.error(row, "component_code", _("'%(code)s' is not an item") % {"code": ccode})
        if parent is not None and comp is not None and parent.pk == comp.pk:
            ctx.error(row, "component_code", _("'%(code)s' cannot be a component of itself") % {"code": ccode})
        output_qty = ctx.decimal(row, "output_qty", default=ONE, gt=ZERO)
        line = {
            "component_id": comp.pk if comp else None,
            "qty_per": ctx.decimal(row, "qty_per", gt=ZERO),
            "scrap_rate": ctx.decimal(row, "scrap_rate", default=ZERO, min_value=ZERO, lt=ONE, max_digits=9),
            "fixed_loss": ctx.decimal(row, "fixed_loss", default=ZERO, min_value=ZERO),
            "issue_method": ctx.choice(row, "issue_method", IssueMethod.values, default=IssueMethod.MANUAL),
            "key_part": ctx.flag(row, "key_part"),
            "valid_from": ctx.date(row, "valid_from", required=False),
            "valid_to": ctx.date(row, "valid_to", required=False),
            "line_type": ctx.choice(row, "line_type", LineType.values, default=LineType.COMPONENT),
            "cost_share": ctx.decimal(row, "cost_share", required=False, min_value=ZERO, max_digits=9),
        }
        skip = ctx.flag(row, "skip_level")
        if line["valid_from"] and line["valid_to"] and line["valid_to"] < line["valid_from"]:
            ctx.error(row, "valid_to", _("'%(value)s' is before valid_from") % {"value": row.get("valid_to")})
        if parent is None:
            continue
        entry = parents.setdefault(
            parent.pk, {"item": parent, "output_qty": output_qty, "skip_level": skip, "lines": [], "row": row}
        )
        if output_qty is not None and entry["output_qty"] is not None and output_qty != entry["output_qty"]:
            ctx.error(row, "output_qty", _("differs from the first row of parent '%(code)s'") % {"code": pcode})
        if skip is not None and entry["skip_level"] is not None and skip != entry["skip_level"]:
            ctx.error(row, "skip_level", _("differs from the first row of parent '%(code)s'") % {"code": pcode})
        entry["lines"].append(line)
    if ctx.failed:
        return

    # current default (highest approved) versions with their lines, and all versions: 2 queries
    versions: dict[int, list[str]] = defaultdict(list)
    current: dict[int, tuple] = {}
    for bid, iid, ver, status in Bom.objects.filter(item_id__in=parents).values_list(
        "id", "item_id", "version", "status"
    ):
        versions[iid].append(ver)
        if status == BomStatus.APPROVED and (iid not in current or version_key(ver) > version_key(current[iid][1])):
            current[iid] = (bid, ver)
    controlled = Bom.objects.under_change_control([e["item"] for e in parents.values()])
    cur_ids = {v[0] for v in current.values()}
    cur_headers = {b["id"]: b for b in Bom.objects.filter(pk__in=cur_ids).values("id", "output_qty", "skip_level")}
    cur_lines: dict[int, list[dict]] = defaultdict(list)
    for ln in BomLine.objects.filter(bom_id__in=cur_ids).values(
        "bom_id",
        "component_id",
        "qty_per",
        "scrap_rate",
        "fixed_loss",
        "issue_method",
        "key_part",
        "valid_from",
        "valid_to",
        "line_type",
        "cost_share",
    ):
        cur_lines[ln["bom_id"]].append(ln)

    now = timezone.now()
    new_boms: list[Bom] = []
    new_lines: dict[int, list[dict]] = {}
    superseded: list[int] = []
    unchanged = 0
    first_versions = 0
    for iid, entry in parents.items():
        cur = current.get(iid)
        if cur is not None:
            h = cur_headers[cur[0]]
            same = (
                h["output_qty"] == entry["output_qty"]
                and h["skip_level"] == entry["skip_level"]
                and _signature(cur_lines[cur[0]]) == _signature(entry["lines"])
            )
            if same:
                unchanged += 1
                continue
        if iid in controlled:
            ctx.error(
                entry["row"],
                "parent_code",
                _("'%(code)s' is under engineering change control: change its BOM through an ECN")
                % {"code": entry["item"].code},
            )
            continue
        if cur is not None:
            superseded.append(cur[0])
        else:
            first_versions += 1
        if versions[iid]:
            major, minor = max(version_key(v) for v in versions[iid])
            version = f"V{max(major, 1)}.{minor + 1}"
        else:
            version = "V1.0"
        new_boms.append(
            Bom(
                item_id=iid,
                version=version,
                status=BomStatus.APPROVED,
                output_qty=entry["output_qty"],
                skip_level=entry["skip_level"],
                approved_at=now,
                approved_by=ctx.user if getattr(ctx.user, "pk", None) else None,
                created_by=ctx.user if getattr(ctx.user, "pk", None) else None,
                notes=_("Imported from boms.csv"),
            )
        )
        new_lines[iid] = entry["lines"]
    if ctx.failed:
        return
    # the superseded versions leave force as bom_disable would (approved → disabled, BOM_FLOW)
    Bom.objects.filter(pk__in=superseded, status__in=DISABLE_FROM).update(status=BomStatus.DISABLED, updated_at=now)
    Bom.objects.bulk_create(new_boms)
    BomLine.objects.bulk_create(
        [
            BomLine(bom_id=b.pk, line_no=(n + 1) * 10, **ln)
            for b in new_boms
            for n, ln in enumerate(new_lines[b.item_id])
        ],
        batch_size=2000,
    )
    # cycle check over every approved BOM, then low-level codes
    from .services.boms import approved_edges, bom_low_level_codes_update, lock_structure

    if new_boms:
        lock_structure()
        edges = approved_edges()
        try:
            engine.low_level_codes(edges)
        except ValueError:
            for b in new_boms:
                path = engine.find_cycle(edges, b.item_id)
                if path:
                    ctx.error(parents[b.item_id]["row"], "component_code", cycle_message(path))
                    return
        bom_low_level_codes_update()
    ctx.count(created=first_versions, updated=len(superseded), unchanged=unchanged)


def export_boms():
    """Lines of every item's default BOM."""
    defaults: dict[int, tuple] = {}
    for bid, iid, ver in Bom.objects.filter(status=BomStatus.APPROVED).values_list("id", "item_id", "version"):
        if iid not in defaults or version_key(ver) > version_key(defaults[iid][1]):
            defaults[iid] = (bid, ver)
    qs = (
        BomLine.objects.filter(bom_id__in=[v[0] for v in defaults.values()])
        .select_related("bom__item", "component")
        .order_by("bom__item__code", "line_no", "id")
    )
    for ln in qs:
        yield {
            "parent_code": ln.bom.item.code,
            "output_qty": ln.bom.output_qty,
            "component_code": ln.component.code,
            "qty_per": ln.qty_per,
            "scrap_rate": ln.scrap_rate,
            "fixed_loss": ln.fixed_loss,
            "issue_method": ln.issue_method,
            "key_part": "1" if ln.key_part else "0",
            "skip_level": "1" if ln.bom.skip_level else "0",
            "valid_from": ln.valid_from,
            "valid_to": ln.valid_to,
            "line_type": ln.line_type,
            "cost_share": ln.cost_share,
        }


def register_files() -> None:
    register(
        ExchangeFile(
            name="boms.csv",
            columns=COLUMNS,
            order=40,
            importer=import_boms,
            exporter=export_boms,
            required_columns=["parent_code", "component_code", "qty_per"],
        )
    )
