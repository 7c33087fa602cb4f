"""Pages of the ledger for the accountant: every report renders, exports xlsx, the entry form
posts a voucher, and the voucher list does not grow its queries with its rows."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from ledger.models import Voucher, VoucherStatus
from ledger.services import vouchers as vs
from tests.ledger.helpers import JAN, worked_example

pytestmark = pytest.mark.django_db

REPORTS = [
    "ledger:vouchers",
    "ledger:accounts",
    "ledger:trial_balance",
    "ledger:general_ledger",
    "ledger:detail_ledger",
    "ledger:statements",
    "ledger:balance_sheet",
    "ledger:income_statement",
    "ledger:vat",
    "ledger:reconcile",
    "ledger:period_end",
    "ledger:voucher_new",
]


def test_reports_render_and_export(login, make_user):
    worked_example(make_user("m"), make_user("a"))
    client = login("会计")
    for name in REPORTS:
        resp = client.get(reverse(name), {"period": "2026-01"})
        assert resp.status_code == 200, name
        if name not in ("ledger:period_end", "ledger:voucher_new"):
            x = client.get(reverse(name), {"period": "2026-01", "export": "xlsx"})
            assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxml"), name
    tb = client.get(reverse("ledger:trial_balance"), {"period": "2026-01"}).content.decode()
    assert "929.00" in tb
    v = Voucher.objects.filter(source_type="crm.delivery").first()
    page = client.get(reverse("ledger:voucher", args=[v.pk])).content.decode()
    assert "5401" in page and v.source_number in page
    dn = client.get(reverse("crm:delivery_detail", args=[v.source_id]))
    assert reverse("ledger:voucher", args=[v.pk]) in dn.content.decode() if dn.status_code == 200 else True


def _voucher_post(lines, **header):
    data = {
        "voucher_date": "2026-01-10",
        "summary": "工资",
        "attachments": "1",
        "lines-TOTAL_FORMS": str(len(lines) + 1),
        "lines-INITIAL_FORMS": "0",
        **header,
    }
    for i, (account, debit, credit) in enumerate(lines):
        data.update({f"lines-{i}-account": account, f"lines-{i}-debit": debit, f"lines-{i}-credit": credit})
    return data


def test_entry_grid_creates_a_draft_and_refuses_unbalanced_with_the_difference(login):
    client = login("会计")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("ledger:voucher_new")
    resp = client.post(url, _voucher_post([("4101", "120.00", ""), ("2211", "", "119.99")]))
    assert resp.status_code == 200 and not Voucher.objects.exists()
    assert resp.context["formset"].non_form_errors() == [
        "The voucher does not balance: debit 120.00, credit 119.99, difference 0.01."
    ]
    # the live check (while typing) leaves the balance to the difference under the grid
    live = client.post(
        url, _voucher_post([("4101", "120.00", ""), ("2211", "", "119.99")]), HTTP_X_LINE_GRID="validate"
    )
    assert live.json() == {"errors": {}, "non_field": []} and not Voucher.objects.exists()
    # a decimal comma is refused in its cell; a line with both sides in the credit cell
    resp = client.post(url, _voucher_post([("4101", "120.00", ""), ("2211", "", "1,20")]))
    assert "1,20" in resp.context["formset"].forms[1].errors["credit"][0] and not Voucher.objects.exists()
    resp = client.post(url, _voucher_post([("4101", "120.00", "5"), ("2211", "", "115")]))
    assert resp.context["formset"].forms[0].errors["credit"] == ["A voucher line is either a debit or a credit."]
    resp = client.post(url, _voucher_post([("4101", "120.00", ""), ("2211", "", "120")]))
    v = Voucher.objects.get()
    assert resp.status_code == 302 and v.status == VoucherStatus.DRAFT and v.debit_total == D("120.00")
    assert [(ln.account.code, ln.debit, ln.credit) for ln in v.lines.order_by("line_no")] == [
        ("4101", D("120.00"), D("0")),
        ("2211", D("0"), D("120.00")),
    ]
    # edited while draft: a third line; the account lookup finds 银行存款 by its pinyin initials
    edit = reverse("ledger:voucher_edit", args=[v.pk])
    assert client.get(edit).status_code == 200
    lines = [("4101", "150", ""), ("2211", "", "120"), ("1002", "", "30")]
    assert client.post(edit, _voucher_post(lines)).status_code == 302
    v.refresh_from_db()
    assert (v.debit_total, v.credit_total, v.lines.count()) == (D("150.00"), D("150.00"), 3)
    found = client.get(reverse("ledger:account_lookup"), {"q": "yhck"}).json()["items"]
    assert found[0]["code"] == "1002"


def test_other_roles_cannot_open_the_ledger(login):
    client = login("销售")
    assert client.get(reverse("ledger:trial_balance")).status_code == 403


def test_voucher_list_queries_do_not_grow(login, django_assert_max_num_queries):
    client = login("会计")
    for n in (5, 50):
        while Voucher.objects.count() < n:
            vs.voucher_create(
                on_date=JAN, lines=[vs.LineSpec("4101", debit=D("1")), vs.LineSpec("2211", credit=D("1"))], post=True
            )
        with django_assert_max_num_queries(14):
            assert client.get(reverse("ledger:vouchers")).status_code == 200
        with django_assert_max_num_queries(14):
            assert client.get(reverse("ledger:trial_balance"), {"period": "2026-01"}).status_code == 200


def test_voucher_templates_are_editable_by_the_accountant(login):
    from ledger.models import PostingRule
    from ledger.services.auto import on_posting  # noqa: F401 - the listener is registered

    client = login("会计")
    assert client.get(reverse("ledger:posting_rules")).status_code == 200
    client.post(
        reverse("ledger:posting_rules"), {"source_type": "inventory.other_issue", "role": "counter", "account": "2202"}
    )
    assert not PostingRule.objects.exists()  # a parent account is refused
    client.post(
        reverse("ledger:posting_rules"),
        {"source_type": "inventory.other_issue", "role": "counter", "account": "5601 销售费用"},
    )
    assert PostingRule.objects.get().account.code == "5601"


def test_account_lookup_by_code_name_and_pinyin_initials(login):
    from ledger.services.accounts import ensure_default_chart

    ensure_default_chart()
    client = login("会计", username="lookup")

    def codes(q):
        return [a["code"] for a in client.get("/ledger/accounts/lookup/", {"q": q}).json()["accounts"]]

    assert "1002" in codes("yhck")  # 银行存款
    assert "1002" in codes("100")
    assert "1002" in codes("银行")
    assert codes("zzzzzz") == []


def test_auditor_reads_the_books_and_changes_nothing(login):
    from ledger.services.accounts import ensure_default_chart

    ensure_default_chart()
    draft = vs.voucher_create(
        on_date=datetime.date(2026, 1, 10),
        summary="工资",
        lines=[vs.LineSpec("4101", debit=D("120.00")), vs.LineSpec("2211", credit=D("120.00"))],
    )
    client = login("审计", username="auditor1")
    assert client.get(reverse("ledger:vouchers")).status_code == 200
    assert client.get(reverse("ledger:voucher", args=[draft.pk])).status_code == 200
    assert client.get(reverse("ledger:trial_balance")).status_code == 200
    for name in ("ledger:voucher_audit", "ledger:voucher_post", "ledger:voucher_delete"):
        assert client.post(reverse(name, args=[draft.pk])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == VoucherStatus.DRAFT and Voucher.objects.count() == 1


def test_statement_lines_in_the_readers_language(login, make_user):
    """The statutory line names are Chinese in zh-hans and English in English, page and export."""
    import io

    import openpyxl

    worked_example(make_user("m"), make_user("a"))
    client = login("会计")
    for lang, inventories, retained, net in (
        ("zh-hans", "存货", "未分配利润", "四、净利润"),
        ("en", "Inventories", "Retained earnings", "IV. Net profit"),
    ):
        client.cookies["django_language"] = lang
        bs = client.get(reverse("ledger:balance_sheet"), {"period": "2026-01"}).content.decode()
        assert inventories in bs and retained in bs, lang
        inc = client.get(reverse("ledger:income_statement"), {"period": "2026-01"}).content.decode()
        assert net in inc, lang
        x = client.get(reverse("ledger:balance_sheet"), {"period": "2026-01", "export": "xlsx"})
        cells = [c.value for c in openpyxl.load_workbook(io.BytesIO(x.content)).active["A"]]
        assert inventories in cells and retained in cells, lang
    assert "存货" not in bs and "净利润" not in inc
