from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _cards(user):
    from django.urls import reverse

    from .models import OutsourcingOrder
    from .selectors import open_po_lines

    return [
        {
            "title": _("Open purchase order lines"),
            "value": open_po_lines().count(),
            "url": reverse("procurement:po_list"),
        },
        {
            "title": _("Open outsourcing orders"),
            "value": OutsourcingOrder.objects.confirmed().count(),
            "url": reverse("procurement:outsourcing_list"),
        },
    ]


def _receiving_card(user):
    from django.urls import reverse

    from .selectors import open_po_lines

    return [
        {
            "title": _("Purchase lines to receive"),
            "value": open_po_lines().count(),
            "url": reverse("procurement:receiving"),
        }
    ]


def _impact(item_ids):
    """bom.impact provider: open outsourcing orders making the item, open PO lines buying a component."""
    from django.urls import reverse

    from bom.impact import OUTSOURCING_ORDER, PURCHASE_ORDER, ImpactRow

    from .models import OutsourcingOrder
    from .selectors import open_po_lines
    from .states import OrderStatus

    rows = []
    for o in OutsourcingOrder.objects.filter(
        item_id__in=item_ids, status__in=[OrderStatus.DRAFT, OrderStatus.CONFIRMED]
    ).only("pk", "number", "item_id", "qty", "received_qty", "due_date", "status"):
        rows.append(
            ImpactRow(
                kind=OUTSOURCING_ORDER,
                number=o.number,
                item_id=o.item_id,
                qty=o.open_qty,
                date=o.due_date,
                url=reverse("procurement:outsourcing_detail", args=[o.pk]),
                status=o.status,
            )
        )
    for ln in open_po_lines().filter(item_id__in=item_ids).select_related("order"):
        rows.append(
            ImpactRow(
                kind=PURCHASE_ORDER,
                number=f"{ln.order.number}/{ln.line_no}",
                item_id=ln.item_id,
                qty=ln.open_qty,
                date=ln.due_date,
                url=reverse("procurement:po_detail", args=[ln.order_id]),
                status=ln.order.status,
            )
        )
    return rows


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = _("Purchasing and outsourcing")

    def ready(self):
        from . import search

        search.register_search()  # global search (erp/search.py)
        from erp.dashboard import register_card
        from erp.navigation import register

        from . import exchange, selectors

        for order, (label, url) in enumerate(
            [
                (_("Purchase requisitions"), "procurement:requisition_list"),
                (_("Purchase orders"), "procurement:po_list"),
                (_("Receiving"), "procurement:receiving"),
                (_("Purchase receipts"), "procurement:receipt_list"),
                (_("Supplier invoices"), "procurement:invoice_list"),
                (_("Supplier price list"), "procurement:price_list"),
                (_("Supplier performance"), "procurement:supplier_performance"),
                (_("Accrual balance (期末暂估余额表)"), "procurement:accrual_report"),
                (_("Payables ageing"), "procurement:payables_ageing"),
            ]
        ):
            register("purchasing", label, url, order=10 + order)
        for order, (label, url) in enumerate(
            [
                (_("Outsourcing orders"), "procurement:outsourcing_list"),
                (_("Material at subcontractors"), "procurement:outsourcing_materials"),
                (_("Outsourcing fee invoices"), "procurement:fee_invoice_list"),
            ]
        ):
            register("outsourcing", label, url, order=10 + order)
        register("warehouse", _("Receiving purchases"), "procurement:warehouse_receiving", order=60)
        register("warehouse", _("Outsourcing: issue and receive"), "procurement:warehouse_outsourcing", order=61)
        register(
            "reports",
            _("Accrual balance (期末暂估余额表)"),
            "procurement:report_accruals",
            order=60,
            perm="procurement.view_accrualentry",
        )
        register(
            "reports",
            _("Payables ageing"),
            "procurement:report_ageing",
            order=61,
            perm="procurement.view_supplierinvoice",
        )
        register_card("purchasing", _cards)
        register_card("warehouse", _receiving_card)
        from . import handoffs

        handoffs.register()  # dashboard to-dos (erp.dashboard)
        exchange.register_files()
        from bom.impact import register_provider as register_impact
        from crm.atp import register_supply_provider
        from crm.progress import register_provider
        from inventory.selectors import register_open_demand_provider

        register_supply_provider(selectors.po_scheduled_receipts)
        register_provider(selectors.outsourcing_progress)
        register_impact(_impact)
        register_open_demand_provider(selectors.open_demand_by_item)
