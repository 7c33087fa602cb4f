"""Default voucher templates (凭证模板): document type + line kind -> account code.

Stock lines always use the stock account of the item and warehouse (1403/1405, 1408 at a
subcontractor); the rules give the other side. Editable per company (ledger.PostingRule).
"""

DEFAULT_RULES: dict[tuple[str, str], str] = {
    # procurement
    ("procurement.purchasereceipt", "counter"): "2202.02",
    ("procurement.purchasereturn", "counter"): "2202.02",
    ("procurement.accrualentry", "counter"): "2202.02",
    ("procurement.supplierinvoice", "accrual"): "2202.02",
    ("procurement.supplierinvoice", "vat"): "2221.01.01",
    ("procurement.supplierinvoice", "payable"): "2202.01",
    ("procurement.supplierinvoice", "issued"): "1404",
    ("procurement.supplierpayment", "payable"): "2202.01",
    ("procurement.supplierpayment", "bank"): "1002",
    ("procurement.outsourcingissue", "counter"): "5711",
    ("procurement.outsourcingreceipt", "counter"): "2202.02",
    # production
    ("production.picking", "counter"): "4001.01",
    ("production.fgreceipt", "counter"): "4001.01",
    # crm
    ("crm.delivery", "counter"): "5401",
    ("crm.sales_return", "counter"): "5401",
    ("crm.invoice", "receivable"): "1122",
    ("crm.invoice", "revenue"): "5001",
    ("crm.invoice", "vat"): "2221.01.02",
    ("crm.receipt", "bank"): "1002",
    ("crm.receipt", "receivable"): "1122",
    ("crm.receipt", "advance"): "2203",
    # inventory
    ("inventory.other_receipt", "counter"): "1901",
    ("inventory.other_issue", "counter"): "5602",
    ("inventory.transfer", "counter"): "1901",
    ("inventory.stock_count", "counter"): "1901",
    ("inventory.revalue", "counter"): "5401",
    # costing (cost run)
    ("costing.overhead", "debit"): "4001.03",
    ("costing.overhead", "credit"): "4101",
    ("costing", "wip"): "4001.01",
    ("costing", "cogs"): "5401",
    ("costing", "outsourcing"): "1408",
    ("costing", "expense"): "5602",
    ("costing", "invoice_difference"): "1404",
    ("costing", "overhead"): "4101",
    # period end
    ("period_end", "profit"): "3103",
}

RAW_MATERIALS = "1403"
FINISHED_GOODS = "1405"
AT_SUBCONTRACTOR = "1408"
