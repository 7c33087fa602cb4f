"""Who acts in the supplier portal (erp.roles collects `GRANTS`).

- 供应商 (supplier / subcontractor users, module portal only): answer PO lines, announce
  shipments and deliveries (and withdraw them), report outsourcing progress — always on their
  own supplier's documents (portal/access.py).
- 采购 (buyers): accept or reject proposals (`portal.review_lineanswer`), invite supplier users.
- 仓库 (warehouse): receives against shipping notices with procurement's receipt permissions
  (procurement/roles.py); nothing from here.
"""

GRANTS = {
    "供应商": [
        "portal.add_lineanswer",
        "portal.add_shippingnotice",
        "portal.change_shippingnotice",
        "portal.add_progressreport",
    ],
    "采购": [
        "portal.review_lineanswer",
        "portal.view_lineanswer",
        "portal.add_invitation",
        "portal.view_invitation",
        "portal.view_shippingnotice",
    ],
}
