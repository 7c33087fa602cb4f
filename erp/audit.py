"""Audit trail on top of django-simple-history: who changed what and when."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def _shown(field, value):
    """A stored value as the user reads it: the label of a choice (never its code), "–" for none."""
    if value is None or value == "":
        return "–"
    choices = dict(getattr(field, "flatchoices", None) or ())
    return str(choices.get(value, value)) if choices else value


def _change(model, change) -> dict:
    try:
        field = model._meta.get_field(change.field)
    except Exception:  # a field of the history model only
        return {"field": change.field, "old": change.old, "new": change.new}
    return {
        "field": capfirst(str(getattr(field, "verbose_name", change.field))),
        "old": _shown(field, change.old),
        "new": _shown(field, change.new),
    }


def history_for(obj, limit: int = 50) -> list[dict]:
    """Newest first, with the fields that changed in each record."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for i, rec in enumerate(records[:limit]):
        prev = records[i + 1] if i + 1 < len(records) else None
        changes = []
        if prev is not None and rec.history_type == "~":
            delta = rec.diff_against(prev)
            changes = [_change(type(obj), c) for c in delta.changes]
        rows.append(
            {
                "when": rec.history_date,
                "who": rec.history_user,
                "kind": KINDS.get(rec.history_type, ""),
                "changes": changes,
            }
        )
    return rows
