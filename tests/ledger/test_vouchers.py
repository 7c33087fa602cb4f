"""Manual vouchers: draft → audited by another user → posted; gap-free numbers; red reversal;
closed periods; period end; imports; commands; pages."""

import datetime
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from erp.errors import ClosedPeriodError, StateError, ValidationError
from erp.exchange.engine import ImportFailed
from erp.models import Period, PeriodStatus
from ledger.models import OpeningBalance, Voucher, VoucherStatus
from ledger.services import period_end, reports
from ledger.services import vouchers as vs
from tests.ledger.helpers import JAN, lines_of, worked_example

pytestmark = pytest.mark.django_db

WAGES = [vs.LineSpec("4101", debit=D("120")), vs.LineSpec("2211", credit=D("120"))]


def test_manual_voucher_workflow(make_user):
    maker, auditor = make_user("maker"), make_user("auditor")
    v = vs.voucher_create(on_date=JAN, lines=list(WAGES), summary="工资", user=maker)
    assert v.status == VoucherStatus.DRAFT and v.number is None
    with pytest.raises(StateError):
        vs.voucher_audit(voucher_id=v.pk, user=maker)
    v.refresh_from_db()
    assert v.status == VoucherStatus.DRAFT and v.audited_by is None
    with pytest.raises(StateError):
        vs.voucher_post(voucher_id=v.pk, user=auditor)  # not audited yet
    vs.voucher_audit(voucher_id=v.pk, user=auditor)
    v = vs.voucher_post(voucher_id=v.pk, user=auditor)
    assert (v.status, v.number, v.word) == (VoucherStatus.POSTED, 1, "记")
    with pytest.raises(StateError):
        vs.voucher_update(voucher_id=v.pk, on_date=JAN, lines=list(WAGES), user=maker)
    red = vs.voucher_reverse(voucher_id=v.pk, on_date=JAN, user=auditor)
    assert red.number == 2 and lines_of(red) == [("4101", "-120.00", "0.00"), ("2211", "0.00", "-120.00")]
    assert vs.voucher_reverse(voucher_id=v.pk, on_date=JAN, user=auditor).pk == red.pk  # once
    copy = vs.voucher_copy(voucher_id=v.pk, user=maker)
    assert copy.status == VoucherStatus.DRAFT and lines_of(copy) == lines_of(v)


def test_unbalanced_and_parent_accounts_are_refused(make_user):
    with pytest.raises(ValidationError) as unbalanced:
        vs.voucher_create(
            on_date=JAN, lines=[vs.LineSpec("4101", debit=D("120")), vs.LineSpec("2211", credit=D("119.99"))]
        )
    with pytest.raises(ValidationError) as parent:
        vs.voucher_create(on_date=JAN, lines=[vs.LineSpec("2202", debit=D("1")), vs.LineSpec("1002", credit=D("1"))])
    assert (unbalanced.value.code, parent.value.code) == ("unbalanced", "not_leaf")
    assert "120.00" in str(unbalanced.value) and "119.99" in str(unbalanced.value)
    assert not Voucher.objects.exists()


def test_numbers_are_gap_free_per_period_and_word_and_drafts_take_none(make_user):
    u1, u2 = make_user("u1"), make_user("u2")
    drafts = [vs.voucher_create(on_date=JAN, lines=list(WAGES), user=u1) for _i in range(3)]
    vs.voucher_delete(voucher_id=drafts[1].pk, user=u1)
    for d in (drafts[2], drafts[0]):
        vs.voucher_audit(voucher_id=d.pk, user=u2)
        vs.voucher_post(voucher_id=d.pk, user=u2)
    feb = vs.voucher_create(on_date=datetime.date(2026, 2, 1), lines=list(WAGES), post=True)
    assert sorted(Voucher.objects.filter(month=1).values_list("number", flat=True)) == [1, 2]
    assert feb.number == 1


def test_nothing_posts_into_a_closed_period(make_user):
    Period.objects.update_or_create(year=2026, month=1, defaults={"status": PeriodStatus.CLOSED})
    with pytest.raises(ClosedPeriodError):
        vs.voucher_create(on_date=JAN, lines=list(WAGES), post=True)
    assert not Voucher.objects.exists()


def test_period_end_is_refused_when_nothing_is_left(make_user):
    worked_example(make_user("m"), make_user("a"))
    with pytest.raises(ValidationError):
        period_end.close_profit_and_loss(year=2026, month=1)
    assert Voucher.objects.filter(source_type=reports.PERIOD_END).count() == 1


def test_trial_balance_and_reconcile_commands(make_user, tmp_path):
    worked_example(make_user("m"), make_user("a"))
    out = io.StringIO()
    target = tmp_path / "tb.csv"
    call_command("trial_balance", "--period", "2026-01", "--export", str(target), stdout=out)
    text = out.getvalue().splitlines()
    assert text[-1] == "total debit 929.00 credit 929.00"
    assert "1403,原材料,0.00,0.00,500.00,400.00,100.00,0.00" in text
    assert "3103,本年利润,0.00,0.00,208.00,400.00,0.00,192.00" in text
    assert target.read_text(encoding="utf-8").splitlines()[0] == (
        "code,name,opening_debit,opening_credit,debit,credit,closing_debit,closing_credit"
    )
    out = io.StringIO()
    call_command("ledger_reconcile", "--period", "2026-01", stdout=out)
    assert out.getvalue().splitlines()[-1] == "differences 0"


def test_opening_balances_import_is_all_or_nothing_and_idempotent():
    from erp.exchange.engine import registry

    spec = {s.name: s for s in registry()}["opening_balances.csv"]
    assert spec.columns == ["period", "account_code", "auxiliary_code", "debit", "credit"]
    from erp.exchange.engine import ImportContext, Row

    def rows(data):
        out = []
        for n, (p, code, aux, d, c) in enumerate(data, start=2):
            r = Row(period=p, account_code=code, auxiliary_code=aux, debit=d, credit=c)
            r.line = n
            out.append(r)
        return out

    bad = rows([("2026-01", "1002", "", "1000.00", ""), ("2026-01", "3001", "", "", "999.99")])
    ctx = ImportContext()
    ctx.file = "opening_balances.csv"
    spec.importer(bad, ctx)
    assert ctx.failed and "1,000.00" in ctx.errors[0] and "999.99" in ctx.errors[0]
    assert not OpeningBalance.objects.exists()
    good = rows([("2026-01", "1002", "", "1000.00", ""), ("2026-01", "3001", "", "", "1000.00")])
    for expected in ({"created": 2}, {"unchanged": 2}):
        ctx = ImportContext()
        ctx.file = "opening_balances.csv"
        spec.importer(good, ctx)
        assert not ctx.failed
        counts = ctx.report.counts["opening_balances.csv"]
        assert all(counts[k] == v for k, v in expected.items())
    rows_tb = {r.account.code: r for r in reports.trial_balance(2026, 1)}
    assert rows_tb["1002"].opening == D("1000.00") and rows_tb["3001"].opening == D("-1000.00")
    assert ImportFailed  # the engine's all-or-nothing error type
