"""Who acts on purchasing and outsourcing documents (erp.roles collects `GRANTS`).

The buyer (采购: modules purchasing + outsourcing) holds every procurement permission: price
lists, requisitions (create, approve, convert to purchase orders), purchase orders (create,
change, confirm, close, cancel), supplier invoices (create, post and match, cancel, record
payments), outsourcing orders, and the accrual period roll (月初冲回 / 月末重估).

Supplier invoices are posted and matched (审核/钩稽) by the buyer, who knows the agreed prices
and the receipts: `procurement.confirm_supplierinvoice`. It is a named permission of its own so
that it can later be given to an accountant without giving them the right to create invoices.

The warehouse clerk (仓库) moves the goods, so besides the buyer:
- receives purchase orders (采购入库) and posts purchase returns (采购退货);
- issues, supplements, returns and scraps material at subcontractors (委外发料/补料/退料/报废)
  and receives outsourced goods (委外入库).

The cost accountant (成本会计) only reads: accruals, payables ageing and supplier invoices
(from the reports module) and receipts (from the warehouse module); no procurement action.
"""

GRANTS = {
    # the planner turns shortages into requisitions that keep their source (按源单生成采购申请)
    "计划": ["procurement.add_requisition"],
    "仓库": [
        "procurement.add_purchasereceipt",
        "procurement.add_purchasereturn",
        "procurement.add_outsourcingissue",
        "procurement.add_outsourcingreceipt",
    ],
}
