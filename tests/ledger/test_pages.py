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


def test_entry_form_creates_a_draft_and_refuses_unbalanced(login):
    client = login("会计")
    data = {
        "rows": "2",
        "voucher_date": "2026-01-10",
        "summary": "工资",
        "attachments": "1",
        "account_0": "4101 制造费用",
        "debit_0": "120.00",
        "credit_0": "",
        "summary_0": "",
        "aux_0": "",
        "account_1": "2211",
        "debit_1": "",
        "credit_1": "119.99",
        "summary_1": "",
        "aux_1": "",
    }
    resp = client.post(reverse("ledger:voucher_new"), data)
    assert resp.status_code == 200 and not Voucher.objects.exists()
    data["credit_1"] = "1,20"
    client.post(reverse("ledger:voucher_new"), data)
    assert not Voucher.objects.exists()
    data["credit_1"] = "120.00"
    resp = client.post(reverse("ledger:voucher_new"), data)
    v = Voucher.objects.get()
    assert resp.status_code == 302 and v.status == VoucherStatus.DRAFT and v.debit_total == D("120.00")


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
