"""Issue #10 for MRP: starting a run needs mrp.add_mrprun (the planner, the administrator),
login comes before the method, the run date and horizon are parsed by erp.input (a message,
nothing queued), a double submit queues one run, missing runs are 404, the run form's date
renders ISO in zh-hans, and the command line refuses a bad --date/--horizon with one line."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from mrp.models import MrpRun
from tests.sweep import (
    BAD_DATES,
    BAD_IDS,
    BAD_NUMBERS,
    assert_refused,
    changed,
    client_for,
    post_concurrently,
    snapshot,
)

START = "/mrp/runs/start/"
LIST = "/mrp/runs/"


def _good():
    return {"run_date": timezone.localdate().isoformat(), "horizon_days": "90"}


@pytest.fixture
def settings_row(db):
    from erp.models import CompanySettings

    return CompanySettings.get()  # created on first use: before the snapshots


# --------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("role", ["生产", "成本会计", "仓库", "销售", "采购"])
def test_roles_outside_planning_cannot_start_a_run(role, make_user, settings_row):
    c = client_for(make_user("x", role))
    before = snapshot()
    assert c.post(START, _good()).status_code == 403
    assert c.get(LIST).status_code == 403
    assert not changed(before)


def test_planning_module_without_the_run_permission_reads_only(make_user, settings_row):
    user = make_user("viewer")
    user.user_permissions.add(
        Permission.objects.get(codename="access_planning", content_type__app_label="erp"),
        *Permission.objects.filter(content_type__app_label="mrp").exclude(codename="add_mrprun"),
    )
    c = client_for(user)
    page = c.get(LIST)
    assert page.status_code == 200 and START not in page.content.decode()
    before = snapshot()
    assert c.post(START, _good()).status_code == 403
    assert not changed(before) and MrpRun.objects.count() == 0


@pytest.mark.parametrize("role", ["计划", "管理员"])
def test_planner_and_administrator_start_a_run(role, make_user, settings_row):
    c = client_for(make_user("p", role))
    assert START in c.get(LIST).content.decode()
    response = c.post(START, {"run_date": "2026-03-02", "horizon_days": "30"})
    run = MrpRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/mrp/runs/{run.pk}/"
    assert (run.run_date, run.horizon_days) == (datetime.date(2026, 3, 2), 30)


def test_login_comes_before_the_method(make_user):
    anonymous = Client()
    for method in ("get", "post"):
        response = getattr(anonymous, method)(START)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], method
    assert client_for(make_user("p", "计划")).get(START).status_code == 405


# --------------------------------------------------------------------------- double submit
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_starts_queue_one_run(make_user):
    from erp.models import CompanySettings

    CompanySettings.get()
    planner = make_user("planner", "计划")
    c = client_for(planner)
    html = c.get(LIST).content.decode()
    form = re.search(r'<form[^>]*action="/mrp/runs/start/".*?</form>', html, re.S).group(0)
    token = re.search(r'name="_submit_token" value="([^"]+)"', form).group(1)
    data = {**_good(), "_submit_token": token}
    responses = post_concurrently(planner, START, data, n=2)
    run = MrpRun.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {f"/mrp/runs/{run.pk}/"}
    # the eager worker finished it; a later replay of the same form still queues nothing new
    c.post(START, data)
    assert MrpRun.objects.count() == 1


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("field", "bad_values", "label"),
    [
        ("run_date", [*BAD_DATES, ""], "run date"),
        ("horizon_days", [*BAD_NUMBERS, "0", "-5", "3651", "1.5", ""], "horizon (days)"),
    ],
)
def test_bad_run_date_or_horizon_is_a_message_and_nothing_queued(field, bad_values, label, make_user, settings_row):
    c = client_for(make_user("p", "计划"))
    for bad in bad_values:
        before = snapshot()
        response = c.post(START, {**_good(), field: bad}, follow=True)
        try:
            assert_refused(response, before, field=label)
        except AssertionError as exc:
            raise AssertionError(f"{field}={bad[:30]!r}: {exc}") from None
    assert MrpRun.objects.count() == 0


def test_absurd_years_are_refused_naming_the_limit(make_user, settings_row):
    c = client_for(make_user("p", "计划"))
    response = c.post(START, {**_good(), "run_date": "9999-12-31"}, follow=True)
    assert any("between 2000-01-01 and 2099-12-31" in str(m) for m in response.context["messages"])
    response = c.post(START, {**_good(), "horizon_days": "3651"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Horizon (days): must be at most 3650."]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_missing_runs_are_404(bad_id, make_user, settings_row):
    c = client_for(make_user("p", "计划"))
    for url in (f"/mrp/runs/{bad_id}/", f"/mrp/runs/{bad_id}/progress/"):
        assert c.get(url).status_code == 404, url


def test_bad_filters_on_a_run_never_500(make_user, settings_row):
    run = MrpRun.objects.create(run_date=datetime.date(2026, 3, 2), status="done")
    c = client_for(make_user("p", "计划"))
    for bad in [*BAD_IDS, "NaN", "1,5"]:
        for query in (f"?late={bad}", f"?order_type={bad}", f"?item={bad}", f"?page={bad}"):
            assert c.get(f"/mrp/runs/{run.pk}/{query}").status_code in (200, 404), query
        assert c.get(f"{LIST}?status={bad}").status_code == 200


# --------------------------------------------------------------------------- ISO date input
def test_run_date_renders_iso_in_chinese(make_user, settings_row):
    html = client_for(make_user("p", "计划"), lang="zh-hans").get(LIST).content.decode()
    assert "执行 MRP 运算" in html  # the page is in Chinese
    dates = re.findall(r'<input type="date" name="run_date" value="([^"]*)"', html)
    assert dates == [timezone.localdate().isoformat()]


# --------------------------------------------------------------------------- command line
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"date": "abc"}, "--date: 'abc' is not a date (YYYY-MM-DD)."),
        ({"date": "2026-02-30"}, "--date: '2026-02-30' is not a date (YYYY-MM-DD)."),
        ({"date": "0001-01-01"}, "--date: the date must lie between 2000-01-01 and 2099-12-31."),
        ({"date": "2026-03-02", "horizon": "abc"}, "--horizon: 'abc' is not a number"),
        ({"date": "2026-03-02", "horizon": "0"}, "--horizon: must be at least 1."),
        ({"date": "2026-03-02", "horizon": "99999"}, "--horizon: must be at most 3650."),
        ({"date": "2026-03-02", "horizon": "1e3"}, "--horizon: '1e3' is not a number"),
    ],
)
def test_command_refuses_a_bad_date_or_horizon_in_one_line(args, message, settings_row):
    with pytest.raises(CommandError) as exc:
        call_command("mrp_run", stdout=io.StringIO(), **args)
    assert str(exc.value).startswith(message)
    assert MrpRun.objects.count() == 0


def test_command_prints_the_error_without_a_traceback(tmp_path):
    """Through manage.py, as an operator runs it: one line on stderr, exit status 1."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {**os.environ, "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "manage.py", "mrp_run", "--date", "2026-03-02", "--horizon", "abc"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "--horizon: 'abc' is not a number" in result.stderr
