"""The spec's worked example (ledger.md) through the real documents."""

import datetime
from dataclasses import dataclass
from decimal import Decimal as D

from django.db import transaction

from crm.models import ItemTaxCode
from crm.services.deliveries import delivery_confirm, delivery_create
from crm.services.invoices import invoice_confirm, invoice_create_from_deliveries
from crm.services.orders import LineInput, order_confirm, order_create
from ledger.models import Voucher
from ledger.services import period_end
from ledger.services import vouchers as vs
from procurement import services as ps
from production.services import picking as pk
from production.services import receipts as rc
from production.services import work_orders as wos
from tests import factories as f
from tests.crm.helpers import TAX_CODE, customer

JAN = datetime.date(2026, 1, 10)


def lines_of(v: Voucher) -> list[tuple[str, str, str]]:
    """(account, debit, credit) of a voucher, in line order."""
    return [
        (ln.account.code, f"{ln.debit:.2f}", f"{ln.credit:.2f}")
        for ln in v.lines.select_related("account").order_by("line_no")
    ]


def source_voucher(source_type: str, source_id: int) -> Voucher:
    return Voucher.objects.get(source_type=source_type, source_id=source_id, is_reversal=False)


def worked_example(maker, auditor, *, upto: int = 8, real_cost_run: bool = False) -> dict:
    out: dict = {}
    rm = f.warehouse("RM")
    fgw = f.warehouse("FGW")
    sup = f.supplier("SA", name="Supplier A")
    a = f.item("A", default_warehouse=rm)
    fg = f.item("FG", supply_type="manufacture", standard_cost=D("52"), default_warehouse=fgw)
    ItemTaxCode.objects.get_or_create(item=fg, defaults={"code": TAX_CODE})
    # (0) wages as a manual voucher, audited by another user
    v0 = vs.voucher_create(
        on_date=JAN,
        lines=[vs.LineSpec("4101", debit=D("120")), vs.LineSpec("2211", credit=D("120"))],
        summary="车间工资",
        user=maker,
    )
    vs.voucher_audit(voucher_id=v0.pk, user=auditor)
    out[0] = vs.voucher_post(voucher_id=v0.pk, user=auditor)
    # (1) receipt 100 A at 5.00
    po = ps.purchase_order_create(
        supplier_id=sup.pk,
        order_date=JAN,
        warehouse_id=rm.pk,
        lines=[{"item_id": a.pk, "qty": D("100"), "unit_price": D("5.00"), "due_date": JAN}],
    )
    ps.purchase_order_confirm(order_id=po.pk)
    gr = ps.purchase_receipt_post(
        order_id=po.pk, lines=[(po.lines.get().pk, D("100"))], receipt_date=JAN, warehouse_id=rm.pk
    )
    out["gr"] = gr
    out[1] = source_voucher("procurement.purchasereceipt", gr.pk)
    if upto < 2:
        return out
    # (2) invoice 100 × 5.00 + 65.00 VAT
    inv = ps.supplier_invoice_create(
        supplier_id=sup.pk,
        invoice_date=JAN,
        lines=[{"receipt_line_id": gr.lines.get().pk, "qty": D("100"), "unit_price": D("5.00"), "tax_rate": D("0.13")}],
    )
    ps.supplier_invoice_confirm(invoice_id=inv.pk)
    out["pi"] = inv
    out[2] = source_voucher("procurement.supplierinvoice", inv.pk)
    # (3) issue 80 A to WO-1
    wo = wos.work_order_create(
        item_id=fg.pk, qty=D("10"), planned_start=JAN, planned_finish=JAN + datetime.timedelta(days=5)
    )
    wos.work_order_material_add(
        work_order_id=wo.pk, component_id=a.pk, qty_per=D("8"), issue_method="manual", warehouse_id=rm.pk
    )
    wos.work_order_release(work_order_id=wo.pk)
    wo.refresh_from_db()
    m = wo.materials.get()
    picking = pk.picking_create_batch(work_order_id=wo.pk, qtys={m.pk: D("80")}, pick_date=JAN)
    pk.picking_confirm(picking_id=picking.pk)
    out["wo"], out["picking"] = wo, picking
    out[3] = source_voucher("production.picking", picking.pk)
    # (4) overhead 120.00 to WO-1 (a ledger allocation, or a cost pool the cost run allocates)
    if real_cost_run:
        from costing.services import pools
        from erp.periods import period_for

        centre = pools.cost_centre_get_or_create(code="WS", name="车间")
        pools.cost_pool_save(
            period_id=period_for(JAN).pk,
            cost_centre_id=centre.pk,
            element="overhead",
            amount=D("120"),
            basis="output_qty",
        )
    else:
        out[4] = period_end.overhead_allocate(work_order_id=wo.pk, amount=D("120"), on_date=JAN)
    # (5) WO-1 receives 10 FG
    r = rc.fg_receipt_create(work_order_id=wo.pk, qty=D("10"), receipt_date=JAN, warehouse_id=fgw.pk)
    rc.fg_receipt_confirm(receipt_id=r.pk)
    out["fg"] = r
    out[5] = source_voucher("production.fgreceipt", r.pk)
    if upto < 6:
        return out
    # (6) deliver 4 FG, (7) invoice 4 × 100.00 + 13 %
    cust = customer("C1")
    so = order_create(customer_id=cust.pk, lines=[LineInput(fg.pk, D("4"), D("100"), JAN)], user=maker, order_date=JAN)
    order_confirm(order_id=so.pk, user=maker, today=JAN)
    dn = delivery_create(order_id=so.pk, warehouse_id=fgw.pk, user=maker, delivery_date=JAN)
    delivery_confirm(delivery_id=dn.pk, user=maker)
    out["dn"] = dn
    out[6] = source_voucher("crm.delivery", dn.pk)
    sinv = invoice_create_from_deliveries(delivery_ids=[dn.pk], user=maker, invoice_date=JAN)
    invoice_confirm(invoice_id=sinv.pk, user=maker)
    out["si"] = sinv
    out[7] = source_voucher("crm.invoice", sinv.pk)
    # the period cost run: FG 400.00 at posting → 520.00 with the overhead (unit cost 52.00), the
    # 4 delivered take 48.00 more cost of sales (docs/costing.md contract: stock revalued, entries
    # announced to the listeners)
    dn_line = dn.lines.get()
    if real_cost_run:
        from costing.services.runs import cost_run_now
        from erp.periods import period_for

        run = cost_run_now(period_id=period_for(JAN).pk)
        assert run.status == "done", run.message
        out["run"] = run
    else:
        out["run"] = simulate_cost_run(
            [
                (
                    "receipt_revaluation",
                    fg,
                    fgw,
                    wo,
                    "stock",
                    "wip",
                    D("120"),
                    "production.fgreceipt",
                    r.pk,
                    r.number,
                    0,
                ),
                (
                    "issue_revaluation",
                    fg,
                    fgw,
                    None,
                    "cogs",
                    "stock",
                    D("48"),
                    "crm.delivery",
                    dn.pk,
                    dn.number,
                    dn_line.pk,
                ),
            ]
        )
    if upto < 8:
        return out
    out[8] = period_end.close_profit_and_loss(year=2026, month=1, user=maker)
    return out


_run_seq = [0]


@transaction.atomic
def simulate_cost_run(specs):
    """What a finished cost run does per docs/costing.md: value-only stock moves for the stock side,
    then one CostRunEvent to the listeners (the ledger's voucher), in one transaction."""
    from inventory.services.valuation import Revaluation, stock_revalue
    from ledger.services.costrun import on_cost_run

    _run_seq[0] += 1
    run_id = 900000 + _run_seq[0]
    entries, revals = [], []
    for n, (kind, item, wh, wo, debit, credit, amount, st, sid, number, _line) in enumerate(specs, start=1):
        sign = 1 if debit == "stock" else -1 if credit == "stock" else 0
        if sign:
            revals.append(
                Revaluation(item_id=item.pk, warehouse_id=wh.pk, value=sign * amount, source_line=n, note=kind)
            )
        entries.append(
            CostEntryData(
                n,
                "2026-01",
                END,
                item.pk,
                wh.pk if wh else None,
                wo.pk if wo else None,
                kind,
                debit,
                credit,
                amount,
                st,
                sid,
                number,
            )
        )
    stock_revalue(source_type="costing.costrun", source_id=run_id, adjustments=revals, move_date=END)
    return on_cost_run(CostRunEvent(run_id, "2026-01", 0, entries))


@dataclass(frozen=True)
class CostEntryData:
    entry_id: int
    period: str
    entry_date: datetime.date
    item_id: int
    warehouse_id: int | None
    work_order_id: int | None
    kind: str
    debit: str
    credit: str
    amount: D
    source_type: str
    source_id: int
    source_number: str


@dataclass(frozen=True)
class CostRunEvent:
    run_id: int
    period: str
    period_id: int
    entries: list


END = datetime.date(2026, 1, 31)
