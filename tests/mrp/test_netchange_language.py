"""The cause of a plan update and an at-risk notification are stored without a language and shown in
the reader's: the same stored record reads in English for an English reader and in Chinese for a
Chinese one, whatever language the worker that wrote it ran in (issue 14)."""

import datetime

import pytest
from django.utils import translation

from crm.models import SalesOrderLine
from erp.models import Notification
from inventory.models import PlanningChange
from mrp.models import PlanUpdate
from mrp.services.netchange import net_change_apply
from procurement.models import PurchaseOrderLine
from procurement.services.orders import purchase_order_line_reschedule
from tests.crm.test_at_risk import D0, d, setup_plan


def page(client, url: str, language: str) -> str:
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.django_db
def test_plan_update_cause_is_data_rendered_in_the_readers_language(make_user, admin_client_su):
    owner = make_user("seller_lang")
    setup_plan(owner)
    po_line = PurchaseOrderLine.objects.get()
    so_line = SalesOrderLine.objects.get()
    with translation.override("en"):  # two changes planned together
        purchase_order_line_reschedule(line_id=po_line.pk, due_date=d(13), reason="mill delay")
        purchase_order_line_reschedule(line_id=po_line.pk, due_date=d(12), reason="mill delay")
    with translation.override("zh-hans"):  # the worker's language writes nothing a reader sees
        update = net_change_apply().update

    update.refresh_from_db()
    assert (update.document, update.line_no, update.kind, update.change_count) == ("PO-1", 1, "purchase_order", 2)
    with translation.override("en"):
        assert update.change_text == "PO-1 line 1 and 1 more change"
    with translation.override("zh-hans"):
        assert update.change_text == "PO-1 第 1 行 及另外 1 项变化"

    run_page = f"/mrp/runs/{update.run_id}/"
    for url in (run_page, "/mrp/netchange/", f"/mrp/runs/{update.run_id}/supply/?so=SO-1/{so_line.line_no}"):
        en, zh = page(admin_client_su, url, "en"), page(admin_client_su, url, "zh-hans")
        assert "by PO-1 line 1 and 1 more change" in en and "及另外" not in en, url
        assert "PO-1 第 1 行 及另外 1 项变化" in zh and "more change" not in zh, url
    # the dashboard names the change too
    en, zh = page(admin_client_su, "/", "en"), page(admin_client_su, "/", "zh-hans")
    assert "PO-1 line 1 and 1 more change" in en and "PO-1 第 1 行 及另外 1 项变化" in zh


@pytest.mark.django_db
def test_a_change_without_a_line_or_document_names_its_document_or_kind(db):
    with translation.override("en"):
        assert PlanUpdate(document="SO-7", change_count=1).change_text == "SO-7"
        assert PlanUpdate(kind="forecast", cause="Forecast FG changed", change_count=3).change_text == (
            "forecast and 2 more changes"
        )
    with translation.override("zh-hans"):
        assert PlanUpdate(kind="forecast", change_count=1).change_text == "预测"
    # a pending change reads the same way on the net-change page
    change = PlanningChange(document="PO-3", line_no=2, cause="PO-3 line 2 changed", item_ids=[1])
    from mrp.templatetags.mrp_freshness import change_text

    with translation.override("zh-hans"):
        assert change_text(change) == "PO-3 第 2 行"


@pytest.mark.django_db
def test_at_risk_notification_is_shown_in_each_readers_language(make_user, client):
    owner = make_user("seller_note")
    setup_plan(owner)
    po_line = PurchaseOrderLine.objects.get()
    with translation.override("en"):
        purchase_order_line_reschedule(line_id=po_line.pk, due_date=d(13), reason="mill delay")
    with translation.override("zh-hans"):  # the worker sends in Chinese
        net_change_apply()

    note = Notification.objects.get(user=owner, kind="crm.at_risk")
    assert note.code == "crm.at_risk"
    assert note.params["doc"] == "SO-1" and note.params["date"] == str(d(15))
    promised = D0 + datetime.timedelta(days=10)
    with translation.override("en"):
        assert note.display_title == f"SO-1 line 1 (FG) is at risk: feasible {d(15)}, promised {promised}"
        assert note.display_body.endswith("; limiting: A: buy, 20 days; FG: make, 2 days")
    with translation.override("zh-hans"):
        assert note.display_title == f"SO-1 第 1 行（FG）有交期风险：可行日期 {d(15)}，承诺日期 {promised}"
        assert note.display_body.endswith("；瓶颈：A: 采购, 20 天; FG: 自制, 2 天")

    client.force_login(owner)
    en, zh = page(client, "/notifications/", "en"), page(client, "/notifications/", "zh-hans")
    assert f"SO-1 line 1 (FG) is at risk: feasible {d(15)}" in en and "交期风险" not in en
    assert "limiting: A: buy, 20 days" in en
    assert f"SO-1 第 1 行（FG）有交期风险：可行日期 {d(15)}" in zh and "is at risk" not in zh
    assert "瓶颈：A: 采购, 20 天" in zh
    # a notification without a code (or of an older shape) shows what was stored
    plain = Notification.objects.create(user=owner, title="stored title", body="stored body")
    broken = Notification.objects.create(user=owner, title="as sent", code="crm.at_risk", params={"doc": "SO-1"})
    assert (plain.display_title, plain.display_body) == ("stored title", "stored body")
    assert broken.display_title == "as sent"
