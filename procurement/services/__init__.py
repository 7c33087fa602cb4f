"""Every write of purchasing and outsourcing (see docs/procurement.md)."""

from .accruals import accruals_period_end, accruals_period_start
from .invoices import supplier_invoice_cancel, supplier_invoice_confirm, supplier_invoice_create, supplier_invoice_pay
from .orders import (
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_line_change,
    purchase_order_line_close,
    purchase_order_line_reschedule,
    purchase_order_update,
)
from .outsourcing import (
    outsourcing_material_move,
    outsourcing_order_cancel,
    outsourcing_order_change,
    outsourcing_order_close,
    outsourcing_order_confirm,
    outsourcing_order_create,
    outsourcing_order_reschedule,
    outsourcing_order_update,
    outsourcing_receipt_post,
)
from .receipts import purchase_receipt_post, purchase_return_post
from .requisitions import (
    requisition_approve,
    requisition_cancel,
    requisition_close,
    requisition_create,
    requisition_create_from_sources,
    requisition_lines_to_orders,
    requisition_update,
)

__all__ = [
    "accruals_period_end",
    "accruals_period_start",
    "outsourcing_material_move",
    "outsourcing_order_cancel",
    "outsourcing_order_change",
    "outsourcing_order_close",
    "outsourcing_order_confirm",
    "outsourcing_order_create",
    "outsourcing_order_reschedule",
    "outsourcing_order_update",
    "outsourcing_receipt_post",
    "purchase_order_cancel",
    "purchase_order_close",
    "purchase_order_confirm",
    "purchase_order_create",
    "purchase_order_update",
    "purchase_order_line_change",
    "purchase_order_line_close",
    "purchase_order_line_reschedule",
    "purchase_receipt_post",
    "purchase_return_post",
    "requisition_approve",
    "requisition_cancel",
    "requisition_close",
    "requisition_create",
    "requisition_create_from_sources",
    "requisition_update",
    "requisition_lines_to_orders",
    "supplier_invoice_cancel",
    "supplier_invoice_confirm",
    "supplier_invoice_create",
    "supplier_invoice_pay",
]
