"""Labels of the stock move kinds (StockMove.kind is a free code written by the posting services
of every app: `opening`, `fg_receipt`, ...). Pages show the label in the user's language, never
the code; a kind without a label here shows its code (tests/erp/test_i18n_pages.py finds it)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "opening": _("Opening balance"),
    "purchase_receipt": _("Purchase receipt"),
    "purchase_return": _("Purchase return"),
    "price_difference": _("Price difference"),
    "sales_issue": _("Sales issue"),
    "sales_return": _("Sales return"),
    "production_issue": _("Production issue"),
    "production_return": _("Production return"),
    "backflush": _("Backflush"),
    "fg_receipt": _("FG receipt"),
    "other_receipt": _("Other receipt"),
    "other_issue": _("Other issue"),
    "transfer_in": _("Transfer in"),
    "transfer_out": _("Transfer out"),
    "count_gain": _("Stock count gain"),
    "count_loss": _("Stock count loss"),
    "revaluation": _("Revaluation"),
    "outsourcing_issue_in": _("Outsourcing issue (to subcontractor)"),
    "outsourcing_issue_out": _("Outsourcing issue (from warehouse)"),
    "outsourcing_return_in": _("Outsourcing return (to warehouse)"),
    "outsourcing_return_out": _("Outsourcing return (from subcontractor)"),
    "outsourcing_consume": _("Outsourcing consumption"),
    "outsourcing_receipt": _("Outsourcing receipt"),
}


def register(kind: str, label) -> None:
    """Apps that post a new kind of move name it here (in their AppConfig.ready())."""
    LABELS.setdefault(kind, label)


def label(kind: str) -> str:
    return str(LABELS.get(kind, kind))
