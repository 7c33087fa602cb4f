"""Status transitions: each document declares a Flow of allowed (from -> to) moves."""

from django.utils.translation import gettext as _

from .errors import StateError


class Flow:
    def __init__(self, transitions: dict[str, set[str] | list[str] | tuple[str, ...]], field: str = "status"):
        self.transitions = {k: set(v) for k, v in transitions.items()}
        self.field = field

    def can(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, set())

    def check(self, obj, target: str) -> None:
        current = getattr(obj, self.field)
        if not self.can(current, target):
            label = getattr(obj, f"get_{self.field}_display", lambda: current)()
            raise StateError(
                _("%(doc)s is %(status)s and cannot change to %(target)s.")
                % {"doc": obj, "status": label, "target": _label(obj, self.field, target)},
                code="bad_transition",
            )

    def check_editable(self, obj, *states: str) -> None:
        """Only a document in one of `states` (its drafts) may be edited (issue 18: the entry
        grid changes drafts in place); otherwise a StateError, before anything is written."""
        current = getattr(obj, self.field)
        if current not in states:
            label = getattr(obj, f"get_{self.field}_display", lambda: current)()
            raise StateError(
                _("%(doc)s is %(status)s: only a draft can be changed.") % {"doc": obj, "status": label},
                code="not_editable",
            )

    def apply(self, obj, target: str) -> bool:
        """Set the status. Returns False (no change) when already there: double clicks are harmless."""
        if getattr(obj, self.field) == target:
            return False
        self.check(obj, target)
        setattr(obj, self.field, target)
        return True


def _label(obj, field, value):
    meta = getattr(obj, "_meta", None)
    choices = dict(meta.get_field(field).choices or []) if meta else {}
    return str(choices.get(value, value))
