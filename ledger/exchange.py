"""accounts.csv (order 90) and opening_balances.csv (order 92) on the exchange engine
(exchange-format.md "Books (ledger)"). All-or-nothing; a re-import of the same file changes nothing."""

from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from erp.exchange import ExchangeFile, register
from erp.fields import ZERO
from erp.input import MONEY_DIGITS, MONEY_PLACES

from .engine.chart import parent_code
from .models import Account, AccountKind, Auxiliary, Direction, OpeningBalance, Voucher, VoucherStatus
from .services.accounts import accounts_by_code

ACCOUNT_COLUMNS = ["code", "name", "parent_code", "kind", "direction", "auxiliary"]
OPENING_COLUMNS = ["period", "account_code", "auxiliary_code", "debit", "credit"]


def import_accounts(rows, ctx) -> None:
    existing = accounts_by_code()
    parsed = []
    seen = set()
    for row in rows:
        code = ctx.text(row, "code", max_length=40)
        name = ctx.text(row, "name", max_length=100)
        pcode = ctx.text(row, "parent_code", required=False) or (parent_code(code) if code else None)
        kind = ctx.text(row, "kind", required=False)
        direction = ctx.text(row, "direction", required=False)
        aux = ctx.text(row, "auxiliary", required=False) or Auxiliary.NONE
        if code in seen:
            ctx.duplicate(row, "code", code)
        seen.add(code)
        if kind and kind not in AccountKind.values:
            ctx.error(
                row,
                "kind",
                _("'%(value)s' is not one of %(choices)s") % {"value": kind, "choices": ", ".join(AccountKind.values)},
            )
        if direction and direction not in Direction.values:
            ctx.error(
                row,
                "direction",
                _("'%(value)s' is not one of %(choices)s") % {"value": direction, "choices": "debit, credit"},
            )
        if aux not in Auxiliary.values:
            ctx.error(
                row,
                "auxiliary",
                _("'%(value)s' is not one of %(choices)s") % {"value": aux, "choices": ", ".join(Auxiliary.values)},
            )
        if pcode and code and not code.startswith(pcode + "."):
            ctx.error(row, "parent_code", _("'%(value)s' is not the start of the account code") % {"value": pcode})
        parsed.append((row, code, name, pcode, kind, direction, aux))
    codes_in_file = {p[1] for p in parsed}
    for row, code, _n, pcode, kind, direction, _a in parsed:
        if pcode and pcode not in existing and pcode not in codes_in_file:
            ctx.error(row, "parent_code", _("'%(value)s' is not an account") % {"value": pcode})
        if not pcode and code not in existing and (not kind or not direction):
            ctx.error(row, "kind", _("a top-level account needs its kind and direction"))
    if ctx.failed:
        return
    created = updated = unchanged = 0
    for _row, code, name, pcode, kind, direction, aux in sorted(parsed, key=lambda p: p[1].count(".")):
        parent = existing.get(pcode) if pcode else None
        acc = existing.get(code)
        kind = kind or (parent.kind if parent else acc.kind if acc else "")
        direction = direction or (parent.direction if parent else acc.direction if acc else "")
        if acc is None:
            existing[code] = Account.objects.create(
                code=code, name=name, parent=parent, kind=kind, direction=direction, auxiliary=aux
            )
            created += 1
            continue
        values = {"name": name, "parent": parent, "kind": kind, "direction": direction, "auxiliary": aux}
        changed = [k for k, v in values.items() if getattr(acc, k) != v]
        if changed:
            for k in changed:
                setattr(acc, k, values[k])
            acc.save()
            updated += 1
        else:
            unchanged += 1
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_accounts():
    for a in Account.objects.select_related("parent").order_by("code"):
        yield {
            "code": a.code,
            "name": a.name,
            "parent_code": a.parent.code if a.parent else "",
            "kind": a.kind,
            "direction": a.direction,
            "auxiliary": a.auxiliary,
        }


def _aux_lookup(rows):
    from crm.models import Customer
    from inventory.models import ItemCategory, Supplier, Warehouse

    codes = {r.get("auxiliary_code", "") for r in rows} - {""}
    return {
        Auxiliary.CUSTOMER: Customer.objects.in_bulk(codes, field_name="code"),
        Auxiliary.SUPPLIER: Supplier.objects.in_bulk(codes, field_name="code"),
        Auxiliary.WAREHOUSE: Warehouse.objects.in_bulk(codes, field_name="code"),
        Auxiliary.ITEM_CATEGORY: {c.code: c for c in ItemCategory.objects.filter(code__in=codes)}
        if hasattr(ItemCategory, "code")
        else {},
    }


def import_opening_balances(rows, ctx) -> None:
    accounts = accounts_by_code()
    parents = set(Account.objects.filter(children__isnull=False).values_list("code", flat=True))
    lookups = _aux_lookup(rows)
    periods = set()
    parsed = []
    total_d = total_c = ZERO
    seen = set()
    for row in rows:
        period = ctx.text(row, "period")
        ym = None
        if period:
            try:
                y, m = (int(x) for x in period.split("-"))
                if not 1 <= m <= 12:
                    raise ValueError
                ym = (y, m)
                periods.add(ym)
            except ValueError:
                ctx.error(row, "period", _("'%(value)s' is not a period (YYYY-MM)") % {"value": period})
        code = ctx.text(row, "account_code")
        acc = accounts.get(code or "")
        if code and acc is None:
            ctx.error(row, "account_code", _("'%(value)s' is not an account") % {"value": code})
        elif code in parents:
            ctx.error(row, "account_code", _("'%(value)s' has sub-accounts: use one of them") % {"value": code})
        aux_code = ctx.text(row, "auxiliary_code", required=False) or ""
        aux_obj = None
        if aux_code and acc is not None:
            if acc.auxiliary == Auxiliary.NONE:
                ctx.error(row, "auxiliary_code", _("account %(code)s has no auxiliary dimension") % {"code": code})
            else:
                aux_obj = lookups.get(acc.auxiliary, {}).get(aux_code)
                if aux_obj is None:
                    ctx.error(
                        row,
                        "auxiliary_code",
                        _("'%(value)s' is not a %(kind)s") % {"value": aux_code, "kind": acc.get_auxiliary_display()},
                    )
        debit = ctx.decimal(
            row,
            "debit",
            required=False,
            default=ZERO,
            min_value=ZERO,
            max_digits=MONEY_DIGITS,
            decimal_places=MONEY_PLACES,
        )
        credit = ctx.decimal(
            row,
            "credit",
            required=False,
            default=ZERO,
            min_value=ZERO,
            max_digits=MONEY_DIGITS,
            decimal_places=MONEY_PLACES,
        )
        key = (code, aux_code)
        if key in seen:
            ctx.duplicate(row, "account_code", f"{code} {aux_code}".strip())
        seen.add(key)
        if ctx.failed:
            continue
        total_d += debit
        total_c += credit
        parsed.append((ym, acc, acc.auxiliary if aux_obj else "", aux_obj, debit, credit))
    if len(periods) > 1:
        ctx.error(None, None, _("all rows must have the same period"))
    if ctx.failed:
        return
    if total_d != total_c:
        ctx.error(
            None,
            None,
            _("debits %(d)s and credits %(c)s are not equal: nothing was imported")
            % {"d": f"{total_d:,.2f}", "c": f"{total_c:,.2f}"},
        )
        return
    if not parsed:
        return
    y, m = next(iter(periods))
    if Voucher.objects.filter(status=VoucherStatus.POSTED).filter(Q(year__lt=y) | Q(year=y, month__lt=m)).exists():
        ctx.error(
            None,
            "period",
            _("vouchers are posted before %(period)s: it is not the first period") % {"period": f"{y}-{m:02d}"},
        )
        return
    wanted = {
        (acc.pk, aux_kind, getattr(obj, "pk", None)): (debit, credit, str(obj) if obj else "")
        for _ym, acc, aux_kind, obj, debit, credit in parsed
    }
    current = {(ob.account_id, ob.aux_kind, ob.aux_id): ob for ob in OpeningBalance.objects.all()}
    created = updated = unchanged = 0
    for key, ob in current.items():
        if key not in wanted or (ob.year, ob.month) != (y, m):
            ob.delete()
            updated += 1
    keep = {k for k, ob in current.items() if k in wanted and (ob.year, ob.month) == (y, m)}
    by_key = defaultdict(lambda: None, {k: current[k] for k in keep})
    for key, (debit, credit, label) in wanted.items():
        ob = by_key[key]
        if ob is None:
            OpeningBalance.objects.create(
                year=y,
                month=m,
                account_id=key[0],
                aux_kind=key[1],
                aux_id=key[2],
                aux_label=label,
                debit=debit,
                credit=credit,
            )
            created += 1
        elif (ob.debit, ob.credit) != (debit, credit):
            ob.debit, ob.credit = debit, credit
            ob.save(update_fields=["debit", "credit"])
            updated += 1
        else:
            unchanged += 1
    ctx.count(created=created, updated=updated, unchanged=unchanged)


def export_opening_balances():
    aux_codes = _aux_codes()
    for ob in OpeningBalance.objects.select_related("account").order_by("account__code", "aux_label"):
        yield {
            "period": f"{ob.year}-{ob.month:02d}",
            "account_code": ob.account.code,
            "auxiliary_code": aux_codes.get((ob.aux_kind, ob.aux_id), ""),
            "debit": ob.debit,
            "credit": ob.credit,
        }


def _aux_codes() -> dict:
    from crm.models import Customer
    from inventory.models import Supplier, Warehouse

    rows = list(OpeningBalance.objects.exclude(aux_kind="").values_list("aux_kind", "aux_id"))
    out = {}
    for kind, model in (("customer", Customer), ("supplier", Supplier), ("warehouse", Warehouse)):
        ids = [i for k, i in rows if k == kind]
        for pk, code in model.objects.filter(pk__in=ids).values_list("pk", "code"):
            out[(kind, pk)] = code
    return out


def register_files() -> None:
    register(
        ExchangeFile(
            "accounts.csv", ACCOUNT_COLUMNS, 90, import_accounts, export_accounts, required_columns=["code", "name"]
        )
    )
    register(
        ExchangeFile(
            "opening_balances.csv",
            OPENING_COLUMNS,
            92,
            import_opening_balances,
            export_opening_balances,
            required_columns=["period", "account_code"],
        )
    )
