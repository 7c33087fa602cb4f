"""Balances and reports: trial balance, general and detail ledger, auxiliary balances, balance
sheet, income statement, VAT summary. Posted vouchers and imported opening balances only;
one aggregate query per report, whatever the number of vouchers."""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from erp.fields import ZERO

from ..engine.chart import BALANCE_SHEET_ASSETS, BALANCE_SHEET_EQUITY, BALANCE_SHEET_LIABILITIES, INCOME_STATEMENT
from ..models import Account, AccountKind, OpeningBalance, Voucher, VoucherLine, VoucherStatus
from .accounts import accounts_by_code

PERIOD_END = "ledger.period_end"


def period_end_date(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def parse_period(text: str) -> tuple[int, int]:
    from django.utils.translation import gettext as _

    from erp.errors import ValidationError

    try:
        y, m = (int(x) for x in (text or "").strip().split("-"))
        datetime.date(y, m, 1)
    except (ValueError, TypeError):
        raise ValidationError(
            _("'%(value)s' is not a period: write YYYY-MM.") % {"value": text}, code="bad_period"
        ) from None
    return y, m


def _key(y: int, m: int) -> int:
    return y * 100 + m


@dataclass
class Row:
    account: Account
    opening: Decimal = ZERO  # signed, debit positive
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    year_debit: Decimal = ZERO
    year_credit: Decimal = ZERO
    children: list = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @staticmethod
    def split(value: Decimal) -> tuple[Decimal, Decimal]:
        return (value, ZERO) if value >= 0 else (ZERO, -value)

    @property
    def opening_dc(self):
        return self.split(self.opening)

    @property
    def closing_dc(self):
        return self.split(self.closing)

    @property
    def level(self) -> int:
        return self.account.level

    @property
    def natural_closing(self) -> Decimal:
        """Closing balance in the account's own direction (credit accounts: credit positive)."""
        return self.closing if self.account.direction == "debit" else -self.closing


def _openings_until(key: int) -> dict[int, Decimal]:
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for r in (
        OpeningBalance.objects.filter(Q(year__lt=key // 100) | Q(year=key // 100, month__lte=key % 100))
        .values("account_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    ):
        out[r["account_id"]] += (r["d"] or ZERO) - (r["c"] or ZERO)
    return out


def leaf_balances(year: int, month: int, *, exclude_source: str = "") -> dict[int, Row]:
    """Per leaf account: opening (before the period), period debit/credit, year-to-date."""
    accounts = accounts_by_code()
    by_id = {a.pk: a for a in accounts.values()}
    key = _key(year, month)
    rows = {a.pk: Row(a) for a in by_id.values()}
    for acc_id, v in _openings_until(key).items():
        rows[acc_id].opening += v
    qs = VoucherLine.objects.filter(voucher__status=VoucherStatus.POSTED).filter(
        Q(voucher__year__lt=year) | Q(voucher__year=year, voucher__month__lte=month)
    )
    if exclude_source:
        qs = qs.exclude(voucher__source_type=exclude_source)
    for r in (
        qs.values("account_id", "voucher__year", "voucher__month").annotate(d=Sum("debit"), c=Sum("credit")).order_by()
    ):
        row = rows[r["account_id"]]
        d, c = r["d"] or ZERO, r["c"] or ZERO
        if (r["voucher__year"], r["voucher__month"]) == (year, month):
            row.debit += d
            row.credit += c
        else:
            row.opening += d - c
        if r["voucher__year"] == year:
            row.year_debit += d
            row.year_credit += c
    return rows


def trial_balance(year: int, month: int) -> list[Row]:
    """Every account with a balance or movement, parents summing their children, in code order."""
    leaves = leaf_balances(year, month)
    rows = {
        r.account.code: Row(r.account, r.opening, r.debit, r.credit, r.year_debit, r.year_credit)
        for r in leaves.values()
    }
    codes = sorted(rows, key=lambda c: c.count("."), reverse=True)
    code_of = {r.account.pk: c for c, r in rows.items()}
    for code in codes:
        parent = rows[code].account.parent_id
        if parent is None:
            continue
        pcode = code_of.get(parent)
        if pcode is None:
            continue
        prow, row = rows[pcode], rows[code]
        if not prow.children:
            prow.opening = prow.debit = prow.credit = prow.year_debit = prow.year_credit = ZERO
        prow.children.append(row)
        prow.opening += row.opening
        prow.debit += row.debit
        prow.credit += row.credit
        prow.year_debit += row.year_debit
        prow.year_credit += row.year_credit
    return [rows[c] for c in sorted(rows) if rows[c].opening or rows[c].debit or rows[c].credit or rows[c].closing]


def tb_totals(rows: list[Row]) -> dict[str, Decimal]:
    """Totals over leaf accounts (the figures the spec adds up)."""
    leaves = [r for r in rows if not r.children]
    t = dict.fromkeys(["opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit"], ZERO)
    for r in leaves:
        od, oc = r.opening_dc
        cd, cc = r.closing_dc
        t["opening_debit"] += od
        t["opening_credit"] += oc
        t["debit"] += r.debit
        t["credit"] += r.credit
        t["closing_debit"] += cd
        t["closing_credit"] += cc
    return t


def balance_of(code: str, year: int, month: int) -> Decimal:
    """Closing balance (debit positive) of an account and its sub-accounts at the end of a period."""
    for r in trial_balance(year, month):
        if r.account.code == code:
            return r.closing
    return ZERO


def aux_balances(code_prefix: str, year: int, month: int, aux_kind: str = "") -> list[dict]:
    """Balances per auxiliary item (customer and supplier statements) of accounts under a code."""
    qs = VoucherLine.objects.filter(voucher__status=VoucherStatus.POSTED).filter(
        Q(account__code=code_prefix) | Q(account__code__startswith=code_prefix + ".")
    )
    qs = qs.filter(Q(voucher__year__lt=year) | Q(voucher__year=year, voucher__month__lte=month))
    if aux_kind:
        qs = qs.filter(aux_kind=aux_kind)
    out: dict[tuple, dict] = {}
    for r in (
        qs.values(
            "account__code", "account__name", "aux_kind", "aux_id", "aux_label", "voucher__year", "voucher__month"
        )
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by()
    ):
        k = (r["account__code"], r["aux_kind"], r["aux_id"])
        row = out.setdefault(
            k,
            {
                "code": r["account__code"],
                "name": r["account__name"],
                "aux_kind": r["aux_kind"],
                "aux_id": r["aux_id"],
                "aux_label": r["aux_label"],
                "opening": ZERO,
                "debit": ZERO,
                "credit": ZERO,
            },
        )
        d, c = r["d"] or ZERO, r["c"] or ZERO
        if (r["voucher__year"], r["voucher__month"]) == (year, month):
            row["debit"] += d
            row["credit"] += c
        else:
            row["opening"] += d - c
    for ob in OpeningBalance.objects.filter(
        Q(account__code=code_prefix) | Q(account__code__startswith=code_prefix + ".")
    ).select_related("account"):
        if _key(ob.year, ob.month) > _key(year, month) or (aux_kind and ob.aux_kind != aux_kind):
            continue
        k = (ob.account.code, ob.aux_kind, ob.aux_id)
        row = out.setdefault(
            k,
            {
                "code": ob.account.code,
                "name": ob.account.name,
                "aux_kind": ob.aux_kind,
                "aux_id": ob.aux_id,
                "aux_label": ob.aux_label,
                "opening": ZERO,
                "debit": ZERO,
                "credit": ZERO,
            },
        )
        row["opening"] += ob.debit - ob.credit
    rows = sorted(out.values(), key=lambda x: (x["code"], x["aux_label"] or ""))
    for line in rows:
        line["closing"] = line["opening"] + line["debit"] - line["credit"]
    return rows


def general_ledger(code: str, year: int) -> list[dict]:
    """总账: per month of the year, the account's (and its sub-accounts') opening, debit, credit, balance."""
    out = []
    for month in range(1, 13):
        if datetime.date(year, month, 1) > datetime.date.today().replace(day=1) and month > 1:
            break
        rows = {r.account.code: r for r in trial_balance(year, month)}
        r = rows.get(code)
        opening = r.opening if r else ZERO
        out.append(
            {
                "period": f"{year}-{month:02d}",
                "opening": opening,
                "debit": r.debit if r else ZERO,
                "credit": r.credit if r else ZERO,
                "closing": r.closing if r else opening,
                "year_debit": r.year_debit if r else ZERO,
                "year_credit": r.year_credit if r else ZERO,
            }
        )
    return out


def detail_ledger(code: str, year: int, month: int, *, aux_id: int | None = None) -> dict:
    """明细账: opening, each posted line of the period with its running balance, closing."""
    rows = {r.account.code: r for r in trial_balance(year, month)}
    row = rows.get(code)
    opening = row.opening if row else ZERO
    qs = (
        VoucherLine.objects.filter(voucher__status=VoucherStatus.POSTED, voucher__year=year, voucher__month=month)
        .filter(Q(account__code=code) | Q(account__code__startswith=code + "."))
        .select_related("voucher", "account")
        .order_by("voucher__voucher_date", "voucher__number", "line_no")
    )
    if aux_id is not None:
        opening = sum(
            (r["closing"] - r["debit"] + r["credit"] for r in aux_balances(code, year, month) if r["aux_id"] == aux_id),
            ZERO,
        )
        qs = qs.filter(aux_id=aux_id)
    balance = opening
    lines = []
    for ln in qs:
        balance += ln.debit - ln.credit
        lines.append({"line": ln, "voucher": ln.voucher, "balance": balance})
    return {"opening": opening, "lines": lines, "closing": balance}


def _sum(rows: dict[str, Row], codes: list[str], attr: str = "closing") -> Decimal:
    return sum((getattr(rows[c], attr) for c in codes if c in rows), ZERO)


def balance_sheet(year: int, month: int) -> dict:
    """资产负债表: 期末 and 年初 per line; current profit not yet closed is in 未分配利润."""
    end = {r.account.code: r for r in trial_balance(year, month)}
    start = {r.account.code: r for r in trial_balance(year, 1)}

    def side(lines, sign, rows, attr):
        return [(label, sign * _sum(rows, codes, attr)) for label, codes in lines]

    def unclosed(rows, attr):
        return -sum(
            (
                getattr(r, attr)
                for r in rows.values()
                if r.account.kind in (AccountKind.INCOME, AccountKind.EXPENSE) and r.level == 1
            ),
            ZERO,
        )

    def build(rows, attr):
        assets = side(BALANCE_SHEET_ASSETS, 1, rows, attr)
        liabilities = side(BALANCE_SHEET_LIABILITIES, -1, rows, attr)
        equity = side(BALANCE_SHEET_EQUITY, -1, rows, attr)
        equity[-1] = (equity[-1][0], equity[-1][1] + unclosed(rows, attr))
        return assets, liabilities, equity

    a, li, e = build(end, "closing")
    a0, li0, e0 = build(start, "opening")
    total_a = sum((v for _l, v in a), ZERO)
    total_le = sum((v for _l, v in li + e), ZERO)
    return {
        "assets": [(label, v, a0[n][1]) for n, (label, v) in enumerate(a)],
        "liabilities": [(label, v, li0[n][1]) for n, (label, v) in enumerate(li)],
        "equity": [(label, v, e0[n][1]) for n, (label, v) in enumerate(e)],
        "total_assets": total_a,
        "total_assets_start": sum((v for _l, v in a0), ZERO),
        "total_liabilities_equity": total_le,
        "total_liabilities_equity_start": sum((v for _l, v in li0 + e0), ZERO),
        "balanced": total_a == total_le,
    }


def income_statement(year: int, month: int) -> dict:
    """利润表: 本月金额 and 本年累计金额, period-end closing vouchers left out."""
    rows = {r.account.code: r for r in trial_balance_movements(year, month)}

    def amount(codes_in, codes_out, month_attr):
        d, c = month_attr
        inc = sum((getattr(rows[x], c) - getattr(rows[x], d) for x in codes_in if x in rows), ZERO)
        exp = sum((getattr(rows[x], d) - getattr(rows[x], c) for x in codes_out if x in rows), ZERO)
        return inc + exp

    lines = []
    for label, inc, exp in INCOME_STATEMENT:
        lines.append((label, amount(inc, exp, ("debit", "credit")), amount(inc, exp, ("year_debit", "year_credit"))))
    revenue, revenue_y = lines[0][1], lines[0][2]
    cost = sum((v for _l, v, _y in lines[1:6]), ZERO)
    cost_y = sum((y for _l, _v, y in lines[1:6]), ZERO)
    inv = lines[6]
    operating = revenue - cost + inv[1]
    operating_y = revenue_y - cost_y + inv[2]
    total = operating + lines[7][1] - lines[8][1]
    total_y = operating_y + lines[7][2] - lines[8][2]
    net = total - lines[9][1]
    net_y = total_y - lines[9][2]
    return {
        "lines": lines,
        "operating_profit": (operating, operating_y),
        "total_profit": (total, total_y),
        "net_profit": (net, net_y),
    }


def trial_balance_movements(year: int, month: int) -> list[Row]:
    """Leaf and parent movements without the period-end closing vouchers."""
    leaves = leaf_balances(year, month, exclude_source=PERIOD_END)
    rows: dict[str, Row] = {}
    for r in leaves.values():
        rows[r.account.code] = r
    for r in list(leaves.values()):
        code = r.account.code
        while "." in code:
            code = code.rsplit(".", 1)[0]
            p = rows.get(code)
            if p is None:
                continue
            if not p.children:
                p.debit = p.credit = p.year_debit = p.year_credit = p.opening = ZERO
            p.children.append(r)
            p.debit += r.debit
            p.credit += r.credit
            p.year_debit += r.year_debit
            p.year_credit += r.year_credit
    return list(rows.values())


def vat_summary(year: int, month: int) -> dict:
    """应交增值税: output (销项), input (进项), payable; a negative payable is carried forward."""
    rows = {r.account.code: r for r in trial_balance(year, month)}
    out_row, in_row, vat = rows.get("2221.01.02"), rows.get("2221.01.01"), rows.get("2221.01")
    output = (out_row.credit - out_row.debit) if out_row else ZERO
    input_ = (in_row.debit - in_row.credit) if in_row else ZERO
    carried_in = vat.opening if vat and vat.opening > 0 else ZERO
    payable = output - input_ - carried_in
    return {
        "output": output,
        "input": input_,
        "carried_in": carried_in,
        "payable": payable,
        "carry_forward": -payable if payable < 0 else ZERO,
        "closing": -(vat.closing) if vat else ZERO,
    }


def vouchers_of(source_type: str, source_id: int) -> list[Voucher]:
    return list(Voucher.objects.filter(source_type=source_type, source_id=source_id).order_by("pk"))
