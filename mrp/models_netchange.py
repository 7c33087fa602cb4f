"""Net-change updates of the current plan (docs/mrp.md "Net change", ADR net-change MRP)."""

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

# what a change without a document number was (PlanningChange.kind), in the reader's language
CHANGE_KINDS = {
    "sales_order": _("sales order"),
    "purchase_order": _("purchase order"),
    "outsourcing_order": _("outsourcing order"),
    "work_order": _("work order"),
    "forecast": _("forecast"),
    "stock": _("stock posting"),
}


def change_text(*, document: str = "", line_no: int | None = None, kind: str = "", others: int = 0,
                recorded: str = "") -> str:  # fmt: skip
    """Which change updated the plan, in the current language ("SO-2026-000123 line 2 and 1 more
    change" / "SO-2026-000123 第 2 行 及另外 1 项变化"), from language-neutral data: the document, its
    line, the kind of change and how many other changes were planned with it. `recorded`: the text a
    change was recorded with, shown only when there is nothing else (rows written before the data)."""
    if document and line_no:
        what = gettext("%(doc)s line %(line)s") % {"doc": document, "line": line_no}
    elif document:
        what = document
    elif kind in CHANGE_KINDS:
        what = str(CHANGE_KINDS[kind])
    else:
        what = recorded or kind
    if others > 0:
        return ngettext("%(change)s and %(n)s more change", "%(change)s and %(n)s more changes", others) % {
            "change": what,
            "n": others,
        }
    return what


class PlanUpdate(models.Model):
    """One net-change re-plan of part of a run's plan: which changes caused it, which items it
    re-planned and how long it took from the first change's commit to the plan being updated.

    The cause is stored as data (the first change's document, line and kind, and the number of
    changes) and rendered in the reader's language (`change_text`); `cause` keeps the first change's
    text as it was recorded (for the admin and the search)."""

    run = models.ForeignKey("mrp.MrpRun", on_delete=models.CASCADE, related_name="updates", verbose_name=_("plan"))
    created_at = models.DateTimeField(_("updated at"), auto_now_add=True, db_index=True)
    cause = models.CharField(_("cause"), max_length=300)
    document = models.CharField(_("document"), max_length=80, blank=True)
    line_no = models.PositiveIntegerField(_("line"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=30, blank=True)
    change_count = models.PositiveIntegerField(_("changes"), default=0)
    seed_count = models.PositiveIntegerField(_("changed items"), default=0)
    item_count = models.PositiveIntegerField(_("items re-planned"), default=0)
    order_count = models.PositiveIntegerField(_("planned orders written"), default=0)
    removed_count = models.PositiveIntegerField(_("planned orders removed"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    at_risk_count = models.PositiveIntegerField(_("order lines at risk"), default=0)
    # the items the at-risk follow-up starts from: {"late": [...], "above": [...]} (mrp.services.risk)
    risk_items = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("plan update")
        verbose_name_plural = _("plan updates")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.run_id}: {self.change_text}"

    @property
    def change_text(self) -> str:
        """The cause in the current language ("SO-2026-000123 line 2 and 1 more change")."""
        return change_text(
            document=self.document,
            line_no=self.line_no,
            kind=self.kind,
            others=max(0, self.change_count - 1),
            recorded=self.cause,
        )
