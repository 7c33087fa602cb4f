from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("Sales / CRM")

    def ready(self):
        from . import search

        search.register_search()  # global search (erp/search.py)
        from erp.errors import register_constraint_messages

        from . import wiring

        wiring.register_all()
        register_constraint_messages(
            {
                "opp_probability_le_100": _("The probability must lie between 0 and 100 %."),
                "so_line_qty_positive": _("The quantity of a sales-order line must be greater than 0."),
                "so_line_delivered_ge_0": _("The delivered quantity cannot be negative."),
                "forecast_qty_ge_0": _("The forecast quantity cannot be negative."),
                "uniq_forecast_item_date": _("There is a forecast for this item and date already."),
                "dn_line_qty_positive": _("The quantity of a delivery line must be greater than 0."),
                "sr_line_qty_positive": _("The quantity of a return line must be greater than 0."),
                "receipt_alloc_positive": _("A matched amount must be greater than 0."),
                "item_tax_code_19_digits": _("The tax classification code must have 19 digits."),
                "uniq_sales_order_line": _("The line number exists already on this sales order."),
                "uniq_quotation_line": _("The line number exists already on this quotation."),
                "uniq_delivery_line": _("The line number exists already on this delivery."),
                "uniq_sales_return_line": _("The line number exists already on this return."),
                "uniq_sales_invoice_line": _("The line number exists already on this invoice."),
                # marketing (issue 19)
                "campaign_end_after_start": _("A campaign cannot end before it starts."),
                "campaign_budget_ge_0": _("The budget cannot be negative."),
                "campaign_cost_positive": _("A cost amount must be greater than 0."),
                "campaign_touch_has_target": _("A campaign touch needs a lead or a customer."),
                "dup_decision_has_other": _("A duplicate decision names the other lead or customer."),
                "dup_decision_kept_reason": _("Keeping both records needs a reason."),
                "ticket_satisfaction_1_5": _("The satisfaction score lies between 1 and 5."),
            }
        )
