"""Texts stored language-neutral and shown in each reader's language.

A record that several people read in different languages (a planning change's cause, a sales-order
line's at-risk reason) stores the English message id, marked for translation with `gettext_noop`
where it is written, and its parameters (numbers, dates, document numbers): `render_text` translates
the message when it is shown. A parameter may itself be a list of `[msgid, params]` pairs ("due
2026-03-09 → 2026-03-14, quantity 10 → 12"), rendered and joined. A record stored before it had
parameters shows its text as stored."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def _is_parts(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(p, list | tuple) and len(p) == 2 and isinstance(p[0], str) for p in value)
    )


def render_text(msgid: str, params: Mapping | None) -> str:
    """`msgid % params` in the current language; the text as stored when it has no parameters or
    they do not fit the message (a translation of another shape)."""
    if not params:
        return msgid
    values = {k: ", ".join(render_text(m, p) for m, p in v) if _is_parts(v) else v for k, v in params.items()}
    try:
        return gettext(msgid) % values
    except (KeyError, TypeError, ValueError):
        logger.warning("text %r does not fit its parameters %r", msgid, sorted(params))
        try:
            return msgid % values
        except (KeyError, TypeError, ValueError):
            return msgid
