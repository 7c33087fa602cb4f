"""erp.texts: texts stored language-neutral render in the reader's language."""

from django.utils import translation

from erp.texts import render_text

CAUSE = "%(doc)s line %(line)s: %(changes)s"
PARAMS = {"doc": "PO-7", "line": 2, "changes": [["due %(old)s → %(new)s", {"old": "2026-03-09", "new": "2026-03-14"}],
                                                ["quantity %(old)s → %(new)s", {"old": "10", "new": "12"}]]}  # fmt: skip


def test_a_stored_cause_reads_in_each_language():
    with translation.override("en"):
        assert render_text(CAUSE, PARAMS) == "PO-7 line 2: due 2026-03-09 → 2026-03-14, quantity 10 → 12"
    with translation.override("zh-hans"):
        assert render_text(CAUSE, PARAMS) == "PO-7 第 2 行：交期 2026-03-09 → 2026-03-14, 数量 10 → 12"


def test_text_stored_before_params_shows_as_stored_and_bad_params_do_not_break_the_page():
    assert render_text("PO-7 第 2 行已变更", {}) == "PO-7 第 2 行已变更"
    with translation.override("en"):
        assert render_text(CAUSE, {"doc": "PO-7"}) == CAUSE  # a parameter missing: the message id, no error
