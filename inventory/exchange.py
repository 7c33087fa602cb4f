"""items.csv, warehouses.csv, stock.csv, suppliers.csv on the exchange engine (docs/exchange.md).

Each importer validates every row first (errors name file, line, column, problem), then writes
in bulk: lookups with in_bulk / one query per table, bulk_create(update_conflicts=...) on the
natural key, no per-row queries. Unchanged rows are not written, so a re-import changes nothing.
"""

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from erp.exchange import ExchangeFile, register
from erp.fields import ZERO

from .models import (
    Item,
    ItemCategory,
    OpeningBalance,
    Supplier,
    SupplyType,
    UnitOfMeasure,
    Warehouse,
    WarehouseKind,
)
from .services.opening import OpeningRow, opening_balances_set
from .services.trees import tree_lock

# Codes may hold inner spaces ("M6 BOLT"); control characters (tabs, line breaks) are refused.
CODE_RE = re.compile(r"^[^\x00-\x1f\x7f]+$")

ITEM_COLUMNS = [
    "code",
    "name",
    "uom",
    "category",
    "supply_type",
    "make_to_order",
    "lead_time_days",
    "safety_stock",
    "min_order_qty",
    "order_multiple",
    "order_period_days",
    "standard_cost",
    "default_supplier",
]
PARTY_COLUMNS = ["code", "name", "contact", "phone", "email", "address", "tax_id"]
WAREHOUSE_COLUMNS = ["code", "name", "parent_code", "nettable"]
STOCK_COLUMNS = ["item_code", "warehouse", "qty", "unit_cost"]


def _code(ctx, row, col, *, max_length=60):
    value = ctx.text(row, col, max_length=max_length)
    if value is not None and not CODE_RE.match(value):
        ctx.error(row, col, _("'%(value)s' is not a valid code (no tabs or line breaks)") % {"value": value})
        return None
    return value


def _unique(ctx, rows, key_fn, col):
    seen = set()
    for row in rows:
        key = key_fn(row)
        if not key:
            continue
        if key in seen:
            ctx.duplicate(row, col, key if isinstance(key, str) else " / ".join(key))
        seen.add(key)


# --- suppliers.csv ------------------------------------------------------------------------


def import_suppliers(rows, ctx):
    _unique(ctx, rows, lambda r: r.get("code", ""), "code")
    parsed = []
    for row in rows:
        code = _code(ctx, row, "code", max_length=40)
        name = ctx.text(row, "name", max_length=200)
        email = ctx.text(row, "email", required=False, max_length=254) or ""
        if email and "@" not in email:
            ctx.error(row, "email", _("'%(value)s' is not an e-mail address") % {"value": email})
        values = {
            "name": name,
            "contact": ctx.text(row, "contact", required=False, max_length=100) or "",
            "phone": ctx.text(row, "phone", required=False, max_length=50) or "",
            "email": email,
            "address": ctx.text(row, "address", required=False, max_length=300) or "",
            "tax_id": ctx.text(row, "tax_id", required=False, max_length=30) or "",
        }
        parsed.append((code, values))
    if ctx.failed:
        return
    existing = Supplier.objects.in_bulk([c for c, _v in parsed], field_name="code")
    _upsert(ctx, Supplier, existing, parsed, ["name", "contact", "phone", "email", "address", "tax_id"])


def export_suppliers():
    for s in Supplier.objects.order_by("code"):
        yield {c: getattr(s, c) for c in PARTY_COLUMNS}


def _upsert(ctx, model, existing, parsed, fields):
    """Create new, update changed, leave unchanged rows alone (counts for the report)."""
    to_write = []
    created = updated = unchanged = 0
    for code, values in parsed:
        old = existing.get(code)
        if old is None:
            created += 1
        elif all(getattr(old, f) == values[f] for f in fields):
            unchanged += 1
            continue
        else:
            updated += 1
        to_write.append(model(code=code, **values))
    if to_write:
        model.objects.bulk_create(
            to_write, update_conflicts=True, unique_fields=["code"], update_fields=fields, batch_size=2000
        )
    ctx.count(created=created, updated=updated, unchanged=unchanged)


# --- items.csv -------------------------------------------------------------------------------


def _categories_for(paths: set[str]) -> dict[str, int]:
    """Category id per path; missing levels are created (bulk, then the mptt tree is rebuilt)."""
    wanted = set()
    for p in paths:
        parts = p.split("/")
        for n in range(1, len(parts) + 1):
            wanted.add("/".join(parts[:n]))
    if not wanted:
        return {}
    tree_lock("inventory.itemcategory")
    ids = dict(ItemCategory.objects.filter(path__in=wanted).values_list("path", "pk"))
    missing = sorted(wanted - set(ids), key=lambda p: (p.count("/"), p))
    if missing:
        depth = 0
        while missing:
            level = [p for p in missing if p.count("/") == depth]
            missing = [p for p in missing if p.count("/") != depth]
            objs = [
                ItemCategory(
                    name=p.rpartition("/")[2],
                    path=p,
                    parent_id=ids.get(p.rpartition("/")[0]) if "/" in p else None,
                    lft=0,
                    rght=0,
                    tree_id=0,
                    level=depth,
                )
                for p in level
            ]
            for obj in ItemCategory.objects.bulk_create(objs):
                ids[obj.path] = obj.pk
            depth += 1
        ItemCategory.objects.rebuild()
    return ids


def import_items(rows, ctx):
    _unique(ctx, rows, lambda r: r.get("code", ""), "code")
    supply_types = [c for c, _l in SupplyType.choices]
    parsed = []
    for row in rows:
        cat = ctx.text(row, "category", required=False, max_length=500) or ""
        cat = "/".join(part.strip() for part in cat.strip("/").split("/") if part.strip())
        rec = {
            "code": _code(ctx, row, "code"),
            "name": ctx.text(row, "name", max_length=200),
            "uom": _code(ctx, row, "uom", max_length=20),
            "category": cat,
            "supply_type": ctx.choice(row, "supply_type", supply_types, default=SupplyType.PURCHASE),
            "make_to_order": ctx.flag(row, "make_to_order"),
            "lead_time_days": ctx.integer(row, "lead_time_days", default=0),
            "safety_stock": ctx.decimal(row, "safety_stock", default=ZERO, min_value=ZERO),
            "min_order_qty": ctx.decimal(row, "min_order_qty", default=ZERO, min_value=ZERO),
            "order_multiple": ctx.decimal(row, "order_multiple", default=ZERO, min_value=ZERO),
            "order_period_days": ctx.integer(row, "order_period_days", default=0),
            "standard_cost": ctx.decimal(row, "standard_cost", default=ZERO, min_value=ZERO),
            "default_supplier": ctx.text(row, "default_supplier", required=False) or "",
        }
        parsed.append((row, rec))
    if ctx.failed:
        return
    supplier_codes = {r["default_supplier"] for _row, r in parsed if r["default_supplier"]}
    suppliers = dict(Supplier.objects.filter(code__in=supplier_codes).values_list("code", "pk"))
    for row, r in parsed:
        if r["default_supplier"] and r["default_supplier"] not in suppliers:
            ctx.error(row, "default_supplier", _("'%(value)s' is not a supplier") % {"value": r["default_supplier"]})
    if ctx.failed:
        return
    uom_codes = {r["uom"] for _row, r in parsed}
    known = set(UnitOfMeasure.objects.filter(code__in=uom_codes).values_list("code", flat=True))
    missing = sorted(set(uom_codes) - known)
    if missing:  # units are created if unknown (only those: no sequence numbers burnt on re-import)
        UnitOfMeasure.objects.bulk_create([UnitOfMeasure(code=c, name=c) for c in missing], ignore_conflicts=True)
    uoms = dict(UnitOfMeasure.objects.filter(code__in=uom_codes).values_list("code", "pk"))
    cats = _categories_for({r["category"] for _row, r in parsed if r["category"]})
    fields = [
        "name",
        "uom_id",
        "category_id",
        "supply_type",
        "make_to_order",
        "lead_time_days",
        "safety_stock",
        "min_order_qty",
        "order_multiple",
        "order_period_days",
        "standard_cost",
        "default_supplier_id",
    ]
    parsed_values = []
    for _row, r in parsed:
        values = {
            "name": r["name"],
            "uom_id": uoms[r["uom"]],
            "category_id": cats.get(r["category"]) if r["category"] else None,
            "supply_type": r["supply_type"],
            "make_to_order": r["make_to_order"],
            "lead_time_days": r["lead_time_days"],
            "safety_stock": r["safety_stock"],
            "min_order_qty": r["min_order_qty"],
            "order_multiple": r["order_multiple"],
            "order_period_days": r["order_period_days"],
            "standard_cost": r["standard_cost"],
            "default_supplier_id": suppliers.get(r["default_supplier"]),
        }
        parsed_values.append((r["code"], values))
    existing = Item.objects.in_bulk([c for c, _v in parsed_values], field_name="code")
    _upsert(ctx, Item, existing, parsed_values, fields)


def export_items():
    qs = Item.objects.select_related("uom", "category", "default_supplier").order_by("code")
    for it in qs.iterator(chunk_size=2000):
        yield {
            "code": it.code,
            "name": it.name,
            "uom": it.uom.code,
            "category": it.category.path if it.category_id else "",
            "supply_type": it.supply_type,
            "make_to_order": "1" if it.make_to_order else "0",
            "lead_time_days": it.lead_time_days,
            "safety_stock": it.safety_stock,
            "min_order_qty": it.min_order_qty,
            "order_multiple": it.order_multiple,
            "order_period_days": it.order_period_days,
            "standard_cost": it.standard_cost,
            "default_supplier": it.default_supplier.code if it.default_supplier_id else "",
        }


# --- warehouses.csv --------------------------------------------------------------------------


def import_warehouses(rows, ctx):
    _unique(ctx, rows, lambda r: r.get("code", ""), "code")
    parsed = []
    for row in rows:
        code = _code(ctx, row, "code", max_length=40)
        parsed.append(
            (
                row,
                code,
                ctx.text(row, "name", max_length=100),
                ctx.text(row, "parent_code", required=False) or "",
                ctx.flag(row, "nettable", default=True),
            )
        )
    if ctx.failed:
        return
    tree_lock("inventory.warehouse")
    codes = {p[1] for p in parsed} | {p[3] for p in parsed if p[3]}
    existing = Warehouse.objects.in_bulk(list(codes), field_name="code")
    in_file = {p[1]: p for p in parsed}
    for row, code, _name, parent, nettable in parsed:
        if parent and parent not in in_file and parent not in existing:
            ctx.error(row, "parent_code", _("'%(value)s' is not a warehouse") % {"value": parent})
        elif parent == code:
            ctx.error(row, "parent_code", _("'%(value)s' cannot be its own parent") % {"value": parent})
        old = existing.get(code)
        if old is not None and old.kind == WarehouseKind.SUBCONTRACTOR and nettable:
            ctx.error(row, "nettable", _("a subcontractor location is never nettable"))
    # cycles: the file's parent links over the tree already stored (warehouses are few: load all)
    parent_of = dict(Warehouse.objects.values_list("code", "parent__code"))
    parent_of.update({code: (p[3] or None) for code, p in in_file.items()})
    for row, code, *_rest in parsed:
        seen, cur = [code], parent_of.get(code)
        while cur and cur not in seen:
            seen.append(cur)
            cur = parent_of.get(cur)
        if cur == code:
            ctx.error(row, "parent_code", _("cycle %(path)s") % {"path": " → ".join(seen + [code])})
    if ctx.failed:
        return
    new, changed, unchanged = [], [], 0
    for _row, code, name, parent, nettable in parsed:
        old = existing.get(code)
        if old is None:
            obj = Warehouse(
                code=code,
                name=name,
                nettable=nettable,
                kind=WarehouseKind.LOCATION if parent else WarehouseKind.WAREHOUSE,
                lft=0,
                rght=0,
                tree_id=0,
                level=0,
            )
            new.append(obj)
            existing[code] = obj
        else:
            old_parent = old.parent.code if old.parent_id else ""
            if old.name == name and old.nettable == nettable and old_parent == parent:
                unchanged += 1
                continue
            old.name, old.nettable = name, nettable
            changed.append(old)
    Warehouse.objects.bulk_create(new)
    touched = new + changed
    for obj in touched:
        parent = in_file[obj.code][3]
        obj.parent_id = existing[parent].pk if parent else None
        if obj.kind != WarehouseKind.SUBCONTRACTOR:
            obj.kind = WarehouseKind.LOCATION if parent else WarehouseKind.WAREHOUSE
    if touched:
        Warehouse.objects.bulk_update(touched, ["name", "nettable", "parent", "kind"])
        Warehouse.objects.rebuild()
    ctx.count(created=len(new), updated=len(changed), unchanged=unchanged)


def export_warehouses():
    for w in Warehouse.objects.select_related("parent").order_by("tree_id", "lft"):
        yield {
            "code": w.code,
            "name": w.name,
            "parent_code": w.parent.code if w.parent_id else "",
            "nettable": "1" if w.nettable else "0",
        }


# --- stock.csv -------------------------------------------------------------------------------


def import_stock(rows, ctx):
    """Opening balances. Quantities and costs are read exactly within the fields' 6 decimals (an
    over-precise value is a row error, never rounded), so re-importing the same file finds every
    balance unchanged and posts nothing; a corrected file posts only the difference. A correction
    that would take stock below zero (already issued) is refused with the shortfall."""
    _unique(ctx, rows, lambda r: (r.get("item_code", ""), r.get("warehouse", "")), "item_code/warehouse")
    parsed = []
    for row in rows:
        parsed.append(
            (
                row,
                ctx.text(row, "item_code"),
                ctx.text(row, "warehouse"),
                ctx.decimal(row, "qty", min_value=ZERO),
                ctx.decimal(row, "unit_cost", default=None, required=False, min_value=ZERO),
            )
        )
    if ctx.failed:
        return
    items = dict(Item.objects.filter(code__in={p[1] for p in parsed}).values_list("code", "pk"))
    item_cost = dict(Item.objects.filter(pk__in=items.values()).values_list("pk", "standard_cost"))
    whs = dict(Warehouse.objects.filter(code__in={p[2] for p in parsed}).values_list("code", "pk"))
    out = []
    for row, item_code, wh_code, qty, cost in parsed:
        if item_code not in items:
            ctx.error(row, "item_code", _("'%(value)s' is not an item") % {"value": item_code})
            continue
        if wh_code not in whs:
            ctx.error(row, "warehouse", _("'%(value)s' is not a warehouse") % {"value": wh_code})
            continue
        item_id = items[item_code]
        cost = cost if cost is not None else item_cost[item_id]
        if not ctx.amount_fits(row, "unit_cost" if row.get("unit_cost") else "qty", qty, cost):
            continue
        out.append(OpeningRow(item_id, whs[wh_code], qty, cost))
    if ctx.failed:
        return
    result = opening_balances_set(rows=out, user=ctx.user)
    ctx.count(created=result.created, updated=result.updated, unchanged=result.unchanged)


def export_stock():
    qs = OpeningBalance.objects.select_related("item", "warehouse").order_by("item__code", "warehouse__code")
    for ob in qs.iterator(chunk_size=2000):
        yield {"item_code": ob.item.code, "warehouse": ob.warehouse.code, "qty": ob.qty, "unit_cost": ob.unit_cost}


def register_files() -> None:
    register(
        ExchangeFile(
            "suppliers.csv", PARTY_COLUMNS, 10, import_suppliers, export_suppliers, required_columns=["code", "name"]
        )
    )
    register(
        ExchangeFile(
            "warehouses.csv",
            WAREHOUSE_COLUMNS,
            12,
            import_warehouses,
            export_warehouses,
            required_columns=["code", "name"],
        )
    )
    register(
        ExchangeFile(
            "items.csv", ITEM_COLUMNS, 20, import_items, export_items, required_columns=["code", "name", "uom"]
        )
    )
    register(
        ExchangeFile(
            "stock.csv",
            STOCK_COLUMNS,
            30,
            import_stock,
            export_stock,
            required_columns=["item_code", "warehouse", "qty"],
        )
    )


__all__ = ["Decimal", "register_files"]
