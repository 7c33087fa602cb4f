"""Audit trail on top of django-simple-history: who changed what and when."""

from django.utils.translation import gettext as _

KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def history_for(obj, limit: int = 50) -> list[dict]:
    """Newest first, with the fields that changed in each record."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for i, rec in enumerate(records[:limit]):
        prev = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if prev is not None and rec.history_type == "~":
            delta = rec.diff_against(prev)
            changes = [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
        rows.append(
            {
                "when": rec.history_date,
                "who": rec.history_user,
                "kind": KINDS.get(rec.history_type, ""),
                "changes": changes,
            }
        )
    return rows
