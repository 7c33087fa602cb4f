"""销售发票 (数电): blue invoices from deliveries, red-letter invoices, tax platform export."""

import datetime
import io
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, fmt_decimal, to_decimal
from erp.locks import lock_rows
from erp.models import CompanySettings
from erp.numbering import next_number
from erp.periods import assert_open
from erp.postings import announce
from erp.types import User

from ..engine import line_amounts
from ..models import (
    DEFAULT_TAX_RATE,
    Customer,
    Delivery,
    DeliveryLine,
    ItemTaxCode,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrderLine,
)
from ..states import POST_FLOW, InvoiceKind, PostStatus, RedReason

TAX_CODE_RE = re.compile(r"^[0-9]{19}$")
INVOICE_NO_RE = re.compile(r"^[0-9]{20}$")


@dataclass
class InvoiceLineInput:
    item_id: int
    qty: Decimal
    unit_price: Decimal
    tax_rate: Decimal = DEFAULT_TAX_RATE
    tax_code: str = ""
    description: str = ""
    delivery_line_id: int | None = None


def _fill(line: SalesInvoiceLine, inclusive: bool) -> None:
    a = line_amounts(to_decimal(line.qty), to_decimal(line.unit_price), to_decimal(line.tax_rate), inclusive=inclusive)
    line.amount, line.tax_amount, line.gross = a.amount, a.tax, a.gross


def _totals(inv: SalesInvoice, lines) -> None:
    inv.amount = sum((ln.amount for ln in lines), ZERO)
    inv.tax_amount = sum((ln.tax_amount for ln in lines), ZERO)
    inv.total = inv.amount + inv.tax_amount


@transaction.atomic
def invoice_create(
    *,
    customer_id: int,
    lines: list[InvoiceLineInput],
    user: User | None,
    invoice_date: datetime.date | None = None,
    prices_include_tax: bool = False,
) -> SalesInvoice:
    if not lines:
        raise ValidationError(_("Add at least one line."))
    customer = Customer.objects.get(pk=customer_id)
    invoice_date = invoice_date or timezone.localdate()
    codes = dict(ItemTaxCode.objects.filter(item_id__in=[ln.item_id for ln in lines]).values_list("item_id", "code"))
    inv = SalesInvoice.objects.create(
        number=next_number("IV", on_date=invoice_date),
        customer=customer,
        invoice_date=invoice_date,
        due_date=invoice_date + datetime.timedelta(days=customer.payment_terms_days),
        prices_include_tax=prices_include_tax,
        buyer_name=customer.invoice_title or customer.name,
        buyer_tax_id=customer.tax_id,
        created_by=user,
    )
    objs = []
    for n, ln in enumerate(lines, start=1):
        if to_decimal(ln.qty) <= 0:
            raise ValidationError(_("Line %(n)s: the quantity must be greater than 0.") % {"n": n})
        obj = SalesInvoiceLine(
            invoice=inv,
            line_no=n,
            item_id=ln.item_id,
            description=ln.description,
            tax_code=ln.tax_code or codes.get(ln.item_id, ""),
            delivery_line_id=ln.delivery_line_id,
            qty=to_decimal(ln.qty),
            unit_price=to_decimal(ln.unit_price),
            tax_rate=to_decimal(ln.tax_rate),
        )
        _fill(obj, prices_include_tax)
        objs.append(obj)
    SalesInvoiceLine.objects.bulk_create(objs)
    _totals(inv, objs)
    inv.save(update_fields=["amount", "tax_amount", "total"])
    return inv


@transaction.atomic
def invoice_create_from_deliveries(
    *, delivery_ids: list[int], user: User | None, invoice_date=None, prices_include_tax: bool = False
) -> SalesInvoice:
    """下推: one invoice over the not yet invoiced, not returned quantities of posted deliveries
    of one customer. Unit prices come from the order lines (after discount)."""
    dns = list(Delivery.objects.filter(pk__in=delivery_ids).order_by("pk"))
    if not dns:
        raise ValidationError(_("Choose at least one delivery."))
    if len({d.customer_id for d in dns}) > 1:
        raise ValidationError(_("One invoice covers deliveries of one customer."))
    if any(d.status != PostStatus.CONFIRMED for d in dns):
        raise StateError(_("Only posted deliveries can be invoiced."))
    inputs = []
    for dl in (
        DeliveryLine.objects.filter(delivery__in=dns)
        .select_related("order_line", "item")
        .order_by("delivery_id", "line_no")
    ):
        open_qty = dl.qty - dl.returned_qty - dl.invoiced_qty
        if open_qty <= 0:
            continue
        ol = dl.order_line
        price = ol.unit_price * (1 - ol.discount_rate)
        if prices_include_tax:
            price = price * (1 + ol.tax_rate)
        inputs.append(
            InvoiceLineInput(
                item_id=dl.item_id,
                qty=open_qty,
                unit_price=price,
                tax_rate=ol.tax_rate,
                description=dl.item.name,
                delivery_line_id=dl.pk,
            )
        )
    if not inputs:
        raise ValidationError(_("Everything on these deliveries is already invoiced."))
    return invoice_create(
        customer_id=dns[0].customer_id,
        lines=inputs,
        user=user,
        invoice_date=invoice_date,
        prices_include_tax=prices_include_tax,
    )


def _new_serial(inv: SalesInvoice) -> str:
    return f"TG{inv.invoice_date:%Y%m%d}{inv.pk:08d}{uuid.uuid4().hex[:8].upper()}"


def _write_back(lines, sign: int) -> None:
    """Invoiced quantities back onto delivery and order lines (sign -1 for red invoices)."""
    dl_ids = sorted({ln.delivery_line_id for ln in lines if ln.delivery_line_id})
    if not dl_ids:
        return
    dlines = lock_rows(DeliveryLine.objects.all(), dl_ids)
    olines = lock_rows(SalesOrderLine.objects.all(), {d.order_line_id for d in dlines.values()})
    for ln in lines:
        if not ln.delivery_line_id:
            continue
        dl = dlines[ln.delivery_line_id]
        qty = abs(ln.qty) * sign
        if sign > 0 and dl.invoiced_qty + qty > dl.qty - dl.returned_qty:
            raise ValidationError(
                _("Line %(n)s: invoicing %(qty)s would exceed the delivered quantity %(open)s not yet invoiced.")
                % {
                    "n": ln.line_no,
                    "qty": fmt_decimal(qty),
                    "open": fmt_decimal(dl.qty - dl.returned_qty - dl.invoiced_qty),
                },
                code="over_invoice",
            )
        dl.invoiced_qty = max(dl.invoiced_qty + qty, ZERO)
        ol = olines[dl.order_line_id]
        ol.invoiced_qty = max(ol.invoiced_qty + qty, ZERO)
    DeliveryLine.objects.bulk_update(list(dlines.values()), ["invoiced_qty"])
    SalesOrderLine.objects.bulk_update(list(olines.values()), ["invoiced_qty"])


@transaction.atomic
def invoice_confirm(*, invoice_id: int, user: User | None) -> SalesInvoice:
    """审核: tax codes checked, quantities written back, request serial number assigned. A red
    invoice's amounts are settled under the blue invoice's lock (the one that completes a blue line
    takes the rest of its amount and tax) and added to the blue invoice's reversed amount."""
    inv = SalesInvoice.objects.select_for_update().get(pk=invoice_id)
    if inv.status == PostStatus.CONFIRMED:
        return inv
    POST_FLOW.check(inv, PostStatus.CONFIRMED)
    assert_open(inv.invoice_date)
    lines = list(inv.lines.order_by("line_no"))
    for ln in lines:
        if not TAX_CODE_RE.match(ln.tax_code or ""):
            raise ValidationError(
                _("Line %(n)s: the tax classification code must have 19 digits (got '%(code)s').")
                % {"n": ln.line_no, "code": ln.tax_code},
                code="tax_code",
            )
    if inv.kind == InvoiceKind.RED:
        assert inv.original_id is not None  # red_invoice_create always sets the blue invoice
        blue = SalesInvoice.objects.select_for_update().get(pk=inv.original_id)
        blue_lines = {ln.pk: ln for ln in blue.lines.all()}
        done = _reversed_by_line(blue, exclude_id=inv.pk)
        _settle_red_lines(lines, blue, blue_lines, done)
        SalesInvoiceLine.objects.bulk_update(lines, ["amount", "tax_amount", "gross"])
        _totals(inv, lines)
        _write_back(lines, -1)
        blue.reversed_amount -= inv.total
        blue.save(update_fields=["reversed_amount", "updated_at"])
    else:
        _write_back(lines, +1)
    POST_FLOW.apply(inv, PostStatus.CONFIRMED)
    inv.confirmed_at, inv.confirmed_by = timezone.now(), user
    if not inv.request_serial:
        inv.request_serial = _new_serial(inv)
    inv.save()
    announce("crm.invoice", inv.pk, number=inv.number, on_date=inv.invoice_date, user=user)
    return inv


@transaction.atomic
def invoice_cancel(*, invoice_id: int, user: User | None) -> SalesInvoice:
    inv = SalesInvoice.objects.select_for_update().get(pk=invoice_id)
    if inv.status == PostStatus.CANCELLED:
        return inv
    if inv.status == PostStatus.CONFIRMED:
        raise StateError(_("%(doc)s is confirmed: issue a red-letter invoice instead.") % {"doc": inv})
    POST_FLOW.apply(inv, PostStatus.CANCELLED)
    inv.save()
    return inv


@dataclass
class _Reversed:
    """What confirmed red invoices already reversed of one blue line (positive figures)."""

    qty: Decimal = ZERO
    amount: Decimal = ZERO
    tax: Decimal = ZERO


def _reversed_by_line(blue: SalesInvoice, *, exclude_id: int | None = None) -> dict[int, _Reversed]:
    rows = SalesInvoiceLine.objects.filter(
        invoice__original=blue, invoice__kind=InvoiceKind.RED, invoice__status=PostStatus.CONFIRMED
    )
    if exclude_id:
        rows = rows.exclude(invoice_id=exclude_id)
    return {
        r["original_line_id"]: _Reversed(-(r["q"] or ZERO), -(r["a"] or ZERO), -(r["t"] or ZERO))
        for r in rows.values("original_line_id").annotate(q=Sum("qty"), a=Sum("amount"), t=Sum("tax_amount"))
    }


def _settle_red_lines(red_lines, blue: SalesInvoice, blue_lines: dict, done: dict[int, _Reversed]) -> None:
    """Amounts of red lines reversing blue lines (domain rule, docs/crm.md): a red line that brings
    the reversed quantity of its blue line to the full quantity takes what is left of that line's
    amount and tax, so that the reds add up exactly to the blue; any other red line is computed from
    its quantity like a blue one, but never takes more amount or tax than is left. Quantities over
    the blue line are refused."""
    for obj in red_lines:
        bl = blue_lines.get(obj.original_line_id)
        if bl is None:
            raise ValidationError(_("A red-letter line must refer to a line of %(blue)s.") % {"blue": blue})
        already = done.get(bl.pk, _Reversed())
        qty = -obj.qty
        if already.qty + qty > bl.qty:
            raise ValidationError(
                _(
                    "Red-letter quantity refused: line %(n)s of %(blue)s has %(qty)s, already reversed %(done)s, "
                    "this red invoice %(red)s."
                )
                % {
                    "n": bl.line_no,
                    "blue": blue,
                    "qty": fmt_decimal(bl.qty),
                    "done": fmt_decimal(already.qty),
                    "red": fmt_decimal(qty),
                },
                code="red_over_blue",
            )
        left_amount, left_tax = bl.amount - already.amount, bl.tax_amount - already.tax
        if already.qty + qty == bl.qty:
            amount, tax = left_amount, left_tax
        else:
            a = line_amounts(qty, to_decimal(bl.unit_price), to_decimal(bl.tax_rate), inclusive=blue.prices_include_tax)
            amount, tax = min(a.amount, left_amount), min(a.tax, left_tax)
        obj.amount, obj.tax_amount, obj.gross = -amount, -tax, -(amount + tax)
    done_total = sum((d.amount + d.tax for d in done.values()), ZERO)
    red_total = -sum((o.gross for o in red_lines), ZERO)
    if done_total + red_total > blue.total:
        raise ValidationError(
            _(
                "Red-letter total refused: %(blue)s totals %(total)s, already reversed %(done)s, this red invoice %(red)s."
            )
            % {"blue": blue, "total": f"{blue.total:,.2f}", "done": f"{done_total:,.2f}", "red": f"{red_total:,.2f}"},
            code="red_over_blue",
        )


@transaction.atomic
def invoice_red_create(
    *,
    blue_id: int,
    reason: str,
    user: User | None,
    quantities: dict[int, Decimal] | None = None,
    invoice_date: datetime.date | None = None,
) -> SalesInvoice:
    """红字发票: negative lines referencing the blue invoice's lines; `quantities` {blue line id: qty
    to reverse} (positive numbers), default everything not yet reversed."""
    if reason not in RedReason.values:
        raise ValidationError(_("Choose the red-letter reason (1–4)."), code="red_reason")
    blue = SalesInvoice.objects.select_for_update().get(pk=blue_id)
    if blue.kind != InvoiceKind.BLUE or blue.status != PostStatus.CONFIRMED:
        raise StateError(_("A red-letter invoice needs a confirmed blue invoice."))
    blue_lines = {ln.pk: ln for ln in blue.lines.order_by("line_no")}
    done = _reversed_by_line(blue)
    if quantities is None:
        quantities = {pk: ln.qty - done.get(pk, _Reversed()).qty for pk, ln in blue_lines.items()}
    quantities = {int(k): to_decimal(v) for k, v in quantities.items() if to_decimal(v) != 0}
    if not quantities or any(q < 0 for q in quantities.values()):
        raise ValidationError(_("Enter the quantities to reverse as positive numbers."))
    invoice_date = invoice_date or timezone.localdate()
    red = SalesInvoice(
        number=next_number("IV", on_date=invoice_date),
        customer_id=blue.customer_id,
        invoice_date=invoice_date,
        due_date=invoice_date,
        kind=InvoiceKind.RED,
        original=blue,
        red_reason=reason,
        prices_include_tax=blue.prices_include_tax,
        buyer_name=blue.buyer_name,
        buyer_tax_id=blue.buyer_tax_id,
        created_by=user,
    )
    objs = []
    for n, (line_id, qty) in enumerate(sorted(quantities.items(), key=lambda kv: kv[0]), start=1):
        bl = blue_lines.get(line_id)
        if bl is None:
            raise ValidationError(_("A red-letter line must refer to a line of %(blue)s.") % {"blue": blue})
        objs.append(
            SalesInvoiceLine(
                line_no=n,
                item_id=bl.item_id,
                description=bl.description,
                tax_code=bl.tax_code,
                delivery_line_id=bl.delivery_line_id,
                original_line=bl,
                qty=-qty,
                unit_price=bl.unit_price,
                tax_rate=bl.tax_rate,
            )
        )
    _settle_red_lines(objs, blue, blue_lines, done)
    _totals(red, objs)
    if red.total == 0:
        raise ValidationError(
            _("The red-letter amount rounds to 0.00: enter the quantities to reverse in full."), code="red_zero"
        )
    red.save()
    for o in objs:
        o.invoice = red
    SalesInvoiceLine.objects.bulk_create(objs)
    return red


@transaction.atomic
def invoice_record_tax_number(
    *, invoice_id: int, number: str, issued_on: datetime.date, user: User | None
) -> SalesInvoice:
    """The 20-digit 数电 invoice number and date returned by the tax platform."""
    number = (number or "").strip()
    if not INVOICE_NO_RE.match(number):
        raise ValidationError(_("The digital invoice number must have 20 digits."), code="invoice_number")
    inv = SalesInvoice.objects.select_for_update().get(pk=invoice_id)
    if inv.status != PostStatus.CONFIRMED:
        raise StateError(_("Confirm the invoice before recording its digital invoice number."))
    if SalesInvoice.objects.filter(tax_invoice_number=number).exclude(pk=inv.pk).exists():
        raise ValidationError(_("Invoice number %(no)s is already recorded on another invoice.") % {"no": number})
    inv.tax_invoice_number = number
    inv.tax_invoice_date = issued_on
    inv.save(update_fields=["tax_invoice_number", "tax_invoice_date", "updated_at"])
    return inv


# --------------------------------------------------------------------------- 数电 export
def _money(v) -> str:
    return f"{to_decimal(v):.2f}"


def invoice_payload(inv: SalesInvoice) -> dict:
    """One invoice as the tax platform's JSON request (数电票开具请求)."""
    if inv.status != PostStatus.CONFIRMED or not inv.request_serial:
        raise StateError(_("Only confirmed invoices can be exported."))
    company = CompanySettings.get()
    body = {
        "requestSerialNo": inv.request_serial,
        "invoiceType": "82" if inv.kind == InvoiceKind.BLUE else "red",
        "invoiceKind": "blue" if inv.kind == InvoiceKind.BLUE else "red",
        "documentNo": inv.number,
        "invoiceDate": inv.invoice_date.isoformat(),
        "pricesIncludeTax": inv.prices_include_tax,
        "seller": {
            "name": company.name,
            "taxId": company.tax_id,
            "address": company.address,
            "phone": company.phone,
            "bankAccount": company.bank_account,
        },
        "buyer": {
            "name": inv.buyer_name,
            "taxId": inv.buyer_tax_id,
            "address": inv.customer.invoice_address,
            "bank": inv.customer.bank_name,
            "bankAccount": inv.customer.bank_account,
        },
        "lines": [
            {
                "lineNo": ln.line_no,
                "taxClassificationCode": ln.tax_code,
                "name": ln.description or ln.item.name,
                "spec": ln.item.spec,
                "unit": ln.item.uom.code,
                "quantity": fmt_decimal(ln.qty, 6),
                "unitPrice": fmt_decimal(ln.unit_price, 6),
                "amount": _money(ln.amount),
                "taxRate": fmt_decimal(ln.tax_rate, 4),
                "taxAmount": _money(ln.tax_amount),
            }
            for ln in inv.lines.select_related("item__uom").order_by("line_no")
        ],
        "totalAmount": _money(inv.amount),
        "totalTax": _money(inv.tax_amount),
        "totalWithTax": _money(inv.total),
    }
    if inv.kind == InvoiceKind.RED:
        blue = inv.original
        assert blue is not None  # red_invoice_create always sets the blue invoice
        body["originalInvoiceNo"] = blue.tax_invoice_number
        body["originalDocumentNo"] = blue.number
        body["redReason"] = inv.red_reason
    return body


def invoices_xlsx(invoices: list[SalesInvoice]) -> bytes:
    """The tax platform's batch import workbook: 发票基本信息 + 发票明细信息 sheets."""
    from openpyxl import Workbook

    from erp.exports import xlsx_append

    wb = Workbook()
    head = wb.worksheets[0]  # the sheet a new workbook starts with
    head.title = "发票基本信息"
    xlsx_append(
        head,
        [
            "发票流水号",
            "单据编号",
            "发票类型",
            "购买方名称",
            "购买方纳税人识别号",
            "开票日期",
            "金额",
            "税额",
            "价税合计",
            "红字原因",
            "原发票号码",
        ],
    )
    detail = wb.create_sheet("发票明细信息")
    xlsx_append(
        detail,
        ["发票流水号", "序号", "税收分类编码", "项目名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额"],
    )
    for inv in invoices:
        p = invoice_payload(inv)
        xlsx_append(
            head,
            [
                p["requestSerialNo"],
                p["documentNo"],
                p["invoiceKind"],
                p["buyer"]["name"],
                p["buyer"]["taxId"],
                p["invoiceDate"],
                p["totalAmount"],
                p["totalTax"],
                p["totalWithTax"],
                p.get("redReason", ""),
                p.get("originalInvoiceNo", ""),
            ],
        )
        for ln in p["lines"]:
            xlsx_append(
                detail,
                [
                    p["requestSerialNo"],
                    ln["lineNo"],
                    ln["taxClassificationCode"],
                    ln["name"],
                    ln["spec"],
                    ln["unit"],
                    ln["quantity"],
                    ln["unitPrice"],
                    ln["amount"],
                    ln["taxRate"],
                    ln["taxAmount"],
                ],
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
