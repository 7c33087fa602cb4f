import threading
from decimal import Decimal

import pytest
from django.db import connection

from erp.errors import StateError
from erp.fields import fmt_decimal, round_money
from erp.models import Sequence
from erp.numbering import next_number
from erp.states import Flow


@pytest.mark.django_db
def test_numbers_are_per_type_and_year():
    import datetime

    assert next_number("SO", on_date=datetime.date(2026, 3, 1)) == "SO-2026-000001"
    assert next_number("SO", on_date=datetime.date(2026, 3, 2)) == "SO-2026-000002"
    assert next_number("PO", on_date=datetime.date(2026, 3, 2)) == "PO-2026-000001"
    assert next_number("SO", on_date=datetime.date(2027, 1, 1)) == "SO-2027-000001"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_threads_get_twenty_consecutive_numbers():
    import datetime

    results, errors = [], []
    barrier = threading.Barrier(20)

    def worker():
        try:
            barrier.wait()
            results.append(next_number("WO", on_date=datetime.date(2026, 5, 1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [f"WO-2026-{i:06d}" for i in range(1, 21)]
    assert Sequence.objects.get(doc_type="WO", year=2026).last == 20


@pytest.mark.django_db
def test_rolled_back_document_gives_its_number_back():
    import datetime

    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        next_number("QT", on_date=datetime.date(2026, 1, 5))
        raise RuntimeError("document failed")
    assert next_number("QT", on_date=datetime.date(2026, 1, 5)) == "QT-2026-000001"


def test_money_rounding_half_up_and_export_format():
    assert round_money(Decimal("2.345")) == Decimal("2.35")
    assert round_money(Decimal("-2.345")) == Decimal("-2.35")
    assert fmt_decimal(Decimal("70.000000")) == "70"
    assert fmt_decimal(Decimal("12.345670")) == "12.3457"
    assert fmt_decimal(Decimal("0.500000")) == "0.5"


def test_flow_refuses_undeclared_transitions():
    class Doc:
        status = "draft"
        number = "X-1"

        def __str__(self):
            return self.number

    flow = Flow({"draft": {"confirmed", "cancelled"}, "confirmed": {"done"}})
    doc = Doc()
    assert flow.apply(doc, "confirmed") is True
    assert flow.apply(doc, "confirmed") is False  # already there: harmless repeat
    with pytest.raises(StateError):
        flow.apply(doc, "draft")
    assert doc.status == "confirmed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("C.UTF-8", "stock.csv line 2: item_code 'NOPE' is not an item"),
        ("zh_CN.UTF-8", "stock.csv line 2: item_code 'NOPE' 不是物料"),
    ],
)
def test_import_command_speaks_the_shell_language(tmp_path, monkeypatch, lang, expected):
    import io

    from django.core.management import CommandError, call_command

    from inventory.models import StockMove

    (tmp_path / "warehouses.csv").write_text("code,name,parent_code,nettable\nRM,Raw,,1\n", encoding="utf-8")
    (tmp_path / "stock.csv").write_text("item_code,warehouse,qty,unit_cost\nNOPE,RM,5,1\n", encoding="utf-8")
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", lang)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_data", str(tmp_path), stderr=err, stdout=io.StringIO())
    assert expected in err.getvalue()
    assert StockMove.objects.count() == 0
