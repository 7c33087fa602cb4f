"""Safe imports (issue #10 item 5): encodings, binary files, the size limit before reading, bad
cells as row errors, the CLI's summary and exit status, expiring previews, idempotent opening
balances at any precision."""

import io
import os
import time
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from erp.exchange import ImportFailed, import_files, read_folder, read_upload
from inventory.models import Item, OpeningBatch, StockBalance, StockMove
from inventory.services.ledger import MoveSpec, stock_moves_post
from tests.sweep import snapshot

D = Decimal
MB = 1024 * 1024
pytestmark = pytest.mark.django_db

ITEMS_HEAD = "code,name,uom,category,supply_type,safety_stock,standard_cost\n"
ITEMS_ZH = ITEMS_HEAD + "ZH-1,螺栓 M6,个,原材料/紧固件,purchase,10,0.15\nZH-2,轮圈 26寸,个,原材料/车轮,purchase,0,28\n"


def run_cli(folder, *args):
    """import_data as an operator runs it: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", str(folder), *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        return exc.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def admin(login, username):
    """An administrator's client with the English UI (messages compared as text)."""
    client = login("管理员", username=username)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def cli_lang(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_chinese_items_csv_in_any_supported_encoding(tmp_path, encoding):
    (tmp_path / "items.csv").write_bytes(ITEMS_ZH.encode(encoding))
    report = import_files(read_folder(tmp_path))
    assert report.counts["items.csv"]["created"] == 2
    assert Item.objects.get(code="ZH-1").name == "螺栓 M6"
    assert Item.objects.get(code="ZH-2").name == "轮圈 26寸"
    assert Item.objects.get(code="ZH-2").category.path == "原材料/车轮"
    assert Item.objects.get(code="ZH-1").uom.code == "个"


def test_gbk_file_through_cli_and_web_zip(tmp_path, cli_lang, login, media):
    (tmp_path / "items.csv").write_bytes(ITEMS_ZH.encode("gbk"))
    status, out, err = run_cli(tmp_path, "--dry-run")
    assert status == 0 and "items.csv: 2 rows, 2 created, 0 updated, 0 unchanged" in out, err
    assert Item.objects.count() == 0  # a dry run
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("items.csv", ITEMS_ZH.encode("gbk"))
    client = admin(login, "imp_gbk")
    preview = client.post("/inventory/import/", {"file": SimpleUploadedFile("迁移.zip", buf.getvalue())})
    assert preview.status_code == 200 and not preview.context["errors"]
    assert "螺栓 M6" in preview.content.decode()  # the preview shows the decoded names
    client.post("/inventory/import/", {"token": preview.context["token"], "confirm": "1"})
    assert Item.objects.get(code="ZH-1").name == "螺栓 M6"


# --- binary files --------------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    "content",
    [PNG, _zip_bytes({"items.csv": ITEMS_ZH}), b"code,name,uom\n\xff\xfe\x80\x81 bad bytes\n"],
    ids=["png", "a-zip-named-csv", "neither-utf8-nor-gb18030"],
)
def test_binary_file_is_a_clear_error_through_the_cli(tmp_path, cli_lang, content):
    (tmp_path / "warehouses.csv").write_text("code,name,parent_code,nettable\nRM,Raw,,1\n", encoding="utf-8")
    (tmp_path / "items.csv").write_bytes(content)
    before = snapshot()
    status, out, err = run_cli(tmp_path)
    assert status == 1 and "Traceback" not in err
    assert "items.csv is not a text file in UTF-8 or GBK/GB18030 encoding" in err
    assert snapshot() == before


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("data.xlsx", PNG, "data.xlsx is not a valid .xlsx workbook."),
        ("data.zip", PNG, "data.zip is not a valid .zip archive."),
        ("data.zip", _zip_bytes({"items.csv": PNG}), "data.zip/items.csv is not a text file"),
        ("data.csv", ITEMS_ZH.encode(), "Upload a .zip of CSV files or an .xlsx workbook."),
    ],
)
def test_binary_upload_is_a_message_on_the_page(login, media, name, content, message):
    client = admin(login, "imp_bin")
    before = snapshot()
    resp = client.post("/inventory/import/", {"file": SimpleUploadedFile(name, content)})
    assert resp.status_code == 200
    assert any(e.startswith(message) for e in resp.context["errors"]), resp.context["errors"]
    assert 'id="import-errors"' in resp.content.decode()
    assert snapshot() == before and not resp.context["token"]


# --- size limit, before reading ------------------------------------------------------------------


def test_25_mb_file_is_refused_before_it_is_read(tmp_path, cli_lang):
    # 25 MB of NUL bytes: were it read, the error would be "not a text file"
    with open(tmp_path / "items.csv", "wb") as fh:
        fh.truncate(25 * MB)
    started = time.perf_counter()
    status, out, err = run_cli(tmp_path)
    took = time.perf_counter() - started
    assert status == 1 and "Traceback" not in err
    assert "items.csv is 25 MB, more than the import limit of 20 MB." in err
    assert "not a text file" not in err
    assert took < 0.5, took
    assert Item.objects.count() == 0


def test_zip_bomb_is_refused_from_the_zip_directory():
    # 25 MB of zeros compress to a few KB; the directory's uncompressed size refuses it unread
    bomb = _zip_bytes({"items.csv": bytes(25 * MB)})
    assert len(bomb) < 100_000
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as exc:
        read_upload("bomb.zip", bomb)
    assert exc.value.errors == ["bomb.zip/items.csv is 25 MB, more than the import limit of 20 MB."]
    assert time.perf_counter() - started < 0.5


def test_web_upload_over_the_limit_is_refused_before_parsing(login, media, settings):
    client = admin(login, "imp_big")
    before = snapshot()
    big = SimpleUploadedFile("big.zip", bytes(25 * MB))  # not even a zip: never opened
    resp = client.post("/inventory/import/", {"file": big})
    assert resp.status_code == 200
    assert resp.context["errors"] == ["big.zip is 25 MB, more than the import limit of 20 MB."]
    assert snapshot() == before and not list(media.glob("imports/*"))
    # the setting moves the limit (IMPORT_MAX_BYTES)
    settings.IMPORT_MAX_BYTES = 1 * MB
    resp = client.post("/inventory/import/", {"file": SimpleUploadedFile("m.zip", bytes(2 * MB))})
    assert resp.context["errors"] == ["m.zip is 2 MB, more than the import limit of 1 MB."]
    assert "At most 1 MB per file" in resp.content.decode()


# --- bad cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column,value,message",
    [
        ("safety_stock", "1e30", "safety_stock '1e30' is too large (at most 12 digits before the decimal point)"),
        ("safety_stock", "1,5", "safety_stock '1,5' is not a number"),
        ("safety_stock", "NaN", "safety_stock 'NaN' is not a number"),
        ("safety_stock", "Infinity", "safety_stock 'Infinity' is not a number"),
        ("safety_stock", "-1", "safety_stock '-1' must be at least 0"),
        ("safety_stock", "9" * 500, "safety_stock '" + "9" * 40 + "…' is not a number"),
        ("standard_cost", "0.0000001", "standard_cost '0.0000001' has more than 6 decimal places"),
        ("standard_cost", "1e-7", "standard_cost '1e-7' has more than 6 decimal places"),
        ("lead_time_days", "1e30", "lead_time_days '1e30' must be at most 2147483647"),
        ("lead_time_days", "2.5", "lead_time_days '2.5' is not a whole number"),
    ],
)
def test_bad_cell_is_a_row_error_naming_file_line_and_column(tmp_path, cli_lang, column, value, message):
    head = "code,name,uom,supply_type,safety_stock,standard_cost,lead_time_days\n"
    text = head + "OK-1,Good,pcs,purchase,1,1,1\nBAD-1,Bad,pcs,purchase,1,1,1\n"
    (tmp_path / "items.csv").write_text(text.replace("BAD-1,Bad,pcs,purchase,1,1,1", _bad_row(column, value)))
    before = snapshot()
    status, out, err = run_cli(tmp_path)
    assert status == 1 and "Traceback" not in err
    assert f"items.csv line 3: {message}" in err
    assert "Nothing was imported. Fix these rows and try again:" in err
    assert snapshot() == before


def _bad_row(column, value):
    cells = {"safety_stock": "1", "standard_cost": "1", "lead_time_days": "1", column: value}
    quoted = f'"{cells[column]}"'
    cells[column] = quoted if "," in value else value
    return f"BAD-1,Bad,pcs,purchase,{cells['safety_stock']},{cells['standard_cost']},{cells['lead_time_days']}"


@pytest.mark.parametrize(
    "value,stored",
    [("1,000", D(1000)), ("1E-05", D("0.00001")), ("１２．５", D("12.5")), ("2.500000", D("2.5"))],
)
def test_numbers_spreadsheets_write_are_read_exactly(tmp_path, value, stored):
    (tmp_path / "items.csv").write_text(f'code,name,uom,safety_stock\nN-1,N,pcs,"{value}"\n', encoding="utf-8")
    import_files(read_folder(tmp_path))
    assert Item.objects.get(code="N-1").safety_stock == stored


def test_xlsx_cells_are_checked_like_csv_cells(login, media):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "items"
    ws.append(["code", "name", "uom", "safety_stock", "standard_cost"])
    ws.append(["X-1", "Float noise", "pcs", 0.1 + 0.2, 1.5])  # 0.30000000000000004 is 0.3 in Excel
    ws.append(["X-2", "Huge", "pcs", 1e30, 1])
    ws.append(["X-3", "Tiny", "pcs", 1, 1e-7])
    buf = io.BytesIO()
    wb.save(buf)
    client = admin(login, "imp_xlsx")
    resp = client.post("/inventory/import/", {"file": SimpleUploadedFile("w.xlsx", buf.getvalue())})
    assert resp.context["errors"] == [
        "items.csv line 3: safety_stock '1e+30' is too large (at most 12 digits before the decimal point)",
        "items.csv line 4: standard_cost '1e-07' has more than 6 decimal places",
    ]
    assert Item.objects.count() == 0


def test_sales_line_amount_beyond_money_field_is_a_row_error():
    from tests import factories

    factories.item("BK-1")
    from crm.models import Customer

    Customer.objects.create(code="C1", name="C1")
    files = {
        "sales_orders.csv": [
            _row(
                2,
                order_no="SO-X",
                customer="C1",
                order_date="2026-06-01",
                line_no="1",
                item_code="BK-1",
                qty="999999999999",
                due_date="2026-06-30",
                unit_price="999999999999",
            )
        ]
    }
    before = snapshot()
    with pytest.raises(ImportFailed) as exc:
        import_files(files)
    assert exc.value.errors == [
        "sales_orders.csv line 2: unit_price '999999999999' gives an amount that is too large "
        "(at most 16 digits before the decimal point)"
    ]
    assert snapshot() == before


def _row(line, **values):
    from erp.exchange import Row

    r = Row(values)
    r.line = line
    return r


# --- the CLI: summary, exit status, stock shortfall -----------------------------------------------


def _stock_folder(folder, qty, cost="2.5"):
    (folder / "warehouses.csv").write_text("code,name,parent_code,nettable\nRM,原材料仓,,1\n", encoding="utf-8")
    (folder / "items.csv").write_text("code,name,uom,supply_type\nBOLT,螺栓,pcs,purchase\n", encoding="utf-8")
    (folder / "stock.csv").write_text(f"item_code,warehouse,qty,unit_cost\nBOLT,RM,{qty},{cost}\n", encoding="utf-8")


def test_cli_prints_the_summary_and_a_stock_shortfall_without_traceback(tmp_path, cli_lang):
    _stock_folder(tmp_path, 100)
    status, out, err = run_cli(tmp_path)
    assert status == 0 and err == ""
    assert out.splitlines()[:4] == [
        "Imported",
        "warehouses.csv: 1 rows, 1 created, 0 updated, 0 unchanged",
        "items.csv: 1 rows, 1 created, 0 updated, 0 unchanged",
        "stock.csv: 1 rows, 1 created, 0 updated, 0 unchanged",
    ]
    bolt = Item.objects.get(code="BOLT")
    stock_moves_post(  # 80 of the 100 are issued in Tiangong
        source_type="test.issue",
        source_id=1,
        moves=[MoveSpec(bolt.pk, StockBalance.objects.get(item=bolt).warehouse_id, D(-80))],
    )
    # the old system's corrected file says 10: 90 would have to leave, 20 are left
    _stock_folder(tmp_path, 10)
    (tmp_path / "items.csv").write_text("code,name,uom,supply_type\nBOLT,螺栓 (new name),pcs,purchase\n")
    before = snapshot()
    status, out, err = run_cli(tmp_path)
    assert status == 1
    assert "Traceback" not in err and "Traceback" not in out
    assert "stock.csv: Not enough stock. BOLT" in err and "needed 90, available 20" in err, err
    assert "CommandError: import failed with 1 error(s); nothing was changed" in err
    assert snapshot() == before
    assert Item.objects.get(code="BOLT").name == "螺栓"  # the items.csv change was rolled back too
    assert StockBalance.objects.get(item=bolt).qty == D(20)


def test_cli_missing_folder_is_a_message(tmp_path, cli_lang):
    status, out, err = run_cli(tmp_path / "nope")
    assert status == 1 and "nope is not a folder" in err and "Traceback" not in err


# --- opening balances at any precision ------------------------------------------------------------


@pytest.mark.parametrize(
    "qty,cost,message",
    [
        ("10.0000001", "2.5", "stock.csv line 2: qty '10.0000001' has more than 6 decimal places"),
        ("10", "0.12345678", "stock.csv line 2: unit_cost '0.12345678' has more than 6 decimal places"),
        ("1e13", "1", "stock.csv line 2: qty '1e13' is too large (at most 12 digits before the decimal point)"),
    ],
)
def test_over_precise_opening_balance_is_refused(tmp_path, cli_lang, qty, cost, message):
    _stock_folder(tmp_path, qty, cost)
    before = snapshot()
    status, out, err = run_cli(tmp_path)
    assert status == 1 and message in err
    assert snapshot() == before


def test_opening_balance_reimport_at_full_precision_posts_nothing_new(tmp_path, cli_lang):
    _stock_folder(tmp_path, "10.123456", "0.123457")
    assert run_cli(tmp_path)[0] == 0
    bal = StockBalance.objects.get(item__code="BOLT")
    assert (bal.qty, bal.value) == (D("10.123456"), D("1.25"))
    before = snapshot()
    for _again in range(2):
        status, out, err = run_cli(tmp_path)
        assert status == 0 and "stock.csv: 1 rows, 0 created, 0 updated, 1 unchanged" in out
    assert snapshot() == before
    assert OpeningBatch.objects.count() == 1 and StockMove.objects.count() == 1


# --- previews expire -------------------------------------------------------------------------------


def test_expired_previews_are_deleted_by_the_periodic_task(login, media, settings):
    from erp.celery import PERIODIC_TASKS
    from erp.exchange import uploads
    from erp.tasks import delete_expired_import_uploads

    assert any(t["task"] == "erp.tasks.delete_expired_import_uploads" for t in PERIODIC_TASKS.values())
    client = admin(login, "imp_exp")
    preview = client.post(
        "/inventory/import/",
        {"file": SimpleUploadedFile("m.zip", _zip_bytes({"items.csv": b"code,name,uom\nE-1,E,pcs\n"}))},
    )
    token = preview.context["token"]
    fresh = uploads.keep(b"a fresh preview")
    old = uploads.upload_dir() / token
    hours = settings.IMPORT_PREVIEW_HOURS
    stale = time.time() - hours * 3600 - 60
    os.utime(old, (stale, stale))
    # an abandoned preview is refused even before the task runs
    resp = client.post("/inventory/import/", {"token": token, "confirm": "1"})
    assert resp.context["errors"] == ["The previewed file has expired: upload it again."]
    assert Item.objects.count() == 0
    assert delete_expired_import_uploads.delay().get() == 1
    assert not old.exists() and (uploads.upload_dir() / fresh).exists()


def test_a_preview_is_imported_once(login, media):
    client = admin(login, "imp_once")
    preview = client.post(
        "/inventory/import/",
        {"file": SimpleUploadedFile("m.zip", _zip_bytes({"items.csv": b"code,name,uom\nO-1,Once,pcs\n"}))},
    )
    token = preview.context["token"]
    done = client.post("/inventory/import/", {"token": token, "confirm": "1"})
    assert done.context["done"] is True and Item.objects.filter(code="O-1").count() == 1
    assert not list(media.glob("imports/*"))  # the preview file is gone
    again = client.post("/inventory/import/", {"token": token, "confirm": "1"})
    assert again.context["errors"] == ["The previewed file has expired: upload it again."]


@pytest.mark.parametrize("role,status", [("仓库", 403), ("成本会计", 403), ("销售", 403), ("管理员", 200)])
def test_only_administrators_open_the_import_page(login, role, status):
    client = login(role, username=f"imp_{status}_{len(role)}")
    assert client.get("/inventory/import/").status_code == status
