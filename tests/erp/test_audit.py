import pytest

from erp.models import CompanySettings


@pytest.mark.django_db
def test_settings_change_records_who_changed_what(login):
    client = login("管理员", username="boss")
    page = client.get("/system/company/")
    assert page.status_code == 200
    form = page.context["form"].initial
    data = {k: ("" if v is None else v) for k, v in form.items() if k != "id"}
    data.update({"name": "天工自行车厂", "due_soon_days": 5})
    response = client.post("/system/company/", data)
    assert response.status_code == 302 and response["Location"] == "/system/company/"
    settings = CompanySettings.get()
    assert (settings.name, settings.due_soon_days) == ("天工自行车厂", 5)
    latest = settings.history.latest()
    assert latest.history_user.username == "boss"
    html = client.get("/system/company/").content.decode()
    assert "boss" in html and "天工自行车厂" in html


@pytest.mark.django_db
def test_invalid_settings_show_inline_errors_and_change_nothing(login):
    client = login("管理员", username="boss2")
    before = CompanySettings.get().name
    response = client.post("/system/company/", {"name": "", "due_soon_days": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name", "due_soon_days"}
    assert CompanySettings.get().name == before
