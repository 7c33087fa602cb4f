"""Who may open what in purchasing and outsourcing (docs/procurement.md, "Permissions").

Every view declares its module(s) and, if it changes anything, the permission of its action
(`erp.permissions.module_required`); form pages need that permission for GET as well. Who holds
which action permission: procurement/roles.py.

- Buyers (role 采购: modules purchasing + outsourcing) run everything here.
- Warehouse clerks (module warehouse) receive purchase orders, post purchase returns, move
  material to and from subcontractors and receive outsourced goods: those pages and actions
  accept either module (`RECEIVING`, `OUTSOURCING_FLOOR`); list pages have one URL per module.
- Reports (期末暂估余额表, payables ageing) also open from the reports module (own URL names).
"""

RECEIVING = ("purchasing", "warehouse")
OUTSOURCING_FLOOR = ("outsourcing", "warehouse")

# Action permissions (POST) of the procurement views.
ADD_REQUISITION = "procurement.add_requisition"
APPROVE_REQUISITION = "procurement.approve_requisition"
CHANGE_REQUISITION = "procurement.change_requisition"
ADD_PO = "procurement.add_purchaseorder"
CHANGE_PO = "procurement.change_purchaseorder"
ADD_RECEIPT = "procurement.add_purchasereceipt"
ADD_RETURN = "procurement.add_purchasereturn"
ADD_INVOICE = "procurement.add_supplierinvoice"
CHANGE_INVOICE = "procurement.change_supplierinvoice"
CONFIRM_INVOICE = "procurement.confirm_supplierinvoice"
PAY_INVOICE = "procurement.pay_supplierinvoice"
ROLL_ACCRUALS = "procurement.roll_accruals"
ADD_OUTSOURCING = "procurement.add_outsourcingorder"
CHANGE_OUTSOURCING = "procurement.change_outsourcingorder"
ADD_MATERIAL_MOVE = "procurement.add_outsourcingissue"
ADD_OUTSOURCING_RECEIPT = "procurement.add_outsourcingreceipt"
