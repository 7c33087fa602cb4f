"""Kernel hardening (issue #10): idempotent submits, error pages, CSP, company-setting limits."""

import re

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from erp.models import CompanySettings
from tests.sweep import form_token, post_concurrently, snapshot


def _settings_data(client, **changes):
    data = {
        "name": "天工示范自行车厂",
        "tax_id": "",
        "address": "",
        "phone": "",
        "bank_account": "",
        "currency": "CNY",
        "accrual_mode": "on_invoice",
        "over_receipt_tolerance_pct": "5",
        "pool_return_days": "30",
        "due_soon_days": "3",
        "min_year": "2000",
        "max_year": "2099",
    }
    data.update(changes)
    return data


def test_every_post_form_gets_a_one_time_token(admin_client_su):
    first = form_token(admin_client_su, "/system/company/")
    second = form_token(admin_client_su, "/system/company/")
    assert first != second and len(first) >= 16


@pytest.mark.django_db(transaction=True)
def test_two_identical_concurrent_submits_save_once(make_user):
    from django.contrib.auth.models import Group  # noqa: F401 - roles exist after migrate

    user = make_user("root2", superuser=True)
    client = Client()
    client.force_login(user)
    CompanySettings.get()
    token = form_token(client, "/system/company/")
    before = CompanySettings.history.count()
    responses = post_concurrently(
        user, "/system/company/", {**_settings_data(client, name="新名字"), "_submit_token": token}
    )
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"] == "/system/company/"
    assert CompanySettings.history.count() == before + 1
    assert CompanySettings.get().name == "新名字"
    # A third replay of the same token, later, is sent to the first result and saves nothing.
    again = client.post("/system/company/", {**_settings_data(client, name="再来"), "_submit_token": token})
    assert again.status_code == 302
    assert CompanySettings.get().name == "新名字"
    assert CompanySettings.history.count() == before + 1


def test_refused_company_settings_write_nothing(admin_client_su):
    CompanySettings.get()
    before = snapshot()
    for changes in (
        {"over_receipt_tolerance_pct": "1000"},
        {"min_year": "2100", "max_year": "2000"},
        {"over_receipt_tolerance_pct": "NaN"},
        {"due_soon_days": "1e30"},
    ):
        response = admin_client_su.post("/system/company/", _settings_data(admin_client_su, **changes))
        assert response.status_code == 200
        assert (
            b"invalid-feedback" in response.content
            or b"alert-danger" in response.content
            or b"errorlist" in response.content
        )
    assert snapshot() == before


def test_missing_object_is_a_404_page_in_both_languages(admin_client_su):
    response = admin_client_su.get("/crm/orders/999999/")
    assert response.status_code == 404
    admin_client_su.cookies.load({"django_language": "en"})
    response = admin_client_su.get("/crm/orders/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert b"Not found" in response.content


def test_500_page_needs_no_database_and_speaks_both_languages():
    """No `db` fixture: any query would raise, so the page is shown when the database is down."""
    from django.views.defaults import server_error

    request = RequestFactory().get("/")
    response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统暂时出错" in body and "Something went wrong" in body


def test_csp_header_and_no_inline_script(admin_client_su):
    response = admin_client_su.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son(click|change|submit|load)=", html)


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("erp/favicon.svg")


def test_error_pages_translated(admin_client_su):
    with translation.override("zh-hans"):
        response = admin_client_su.get("/crm/orders/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "未找到".encode() in response.content or "不存在".encode() in response.content


def test_old_submission_tokens_are_deleted_by_the_nightly_task(make_user):
    import datetime

    from django.utils import timezone

    from erp.models import SubmitToken
    from erp.tasks import delete_old_submit_tokens

    user = make_user("tok")
    old = SubmitToken.objects.create(key="a" * 20, user=user, path="/x/")
    SubmitToken.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=49))
    fresh = SubmitToken.objects.create(key="b" * 20, user=user, path="/x/")
    assert delete_old_submit_tokens.delay().get() == 1
    assert list(SubmitToken.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_an_upload_over_the_limit_is_stopped_while_it_arrives(admin_client_su, settings):
    """The size handler refuses the upload before Django stores it; the page names the limit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_MAX_BYTES = 1024 * 1024
    before = snapshot()
    big = SimpleUploadedFile("items.csv", b"code,name\n" + b"x" * (2 * 1024 * 1024), content_type="text/csv")
    response = admin_client_su.post("/inventory/import/", {"file": big})
    assert response.status_code == 200
    html = response.content.decode()
    assert "items.csv" in html and "1 MB" in html
    assert snapshot() == before


def test_no_template_carries_inline_javascript():
    """The CSP allows only our script files: inline handlers and javascript: links would not run."""
    from pathlib import Path

    from django.conf import settings

    base = Path(settings.BASE_DIR)
    offenders = []
    for path in base.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("onclick=", "onchange=", "onsubmit=", "onload=", "javascript:", "<script>"):
            if needle in text:
                offenders.append(f"{path.relative_to(base)}: {needle}")
    assert not offenders
