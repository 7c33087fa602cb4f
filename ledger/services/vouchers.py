"""Vouchers (记账凭证): create, audit, post, red reversal, copy; gap-free numbers per period and
voucher word, given at posting (drafts carry no number, so deleting a draft leaves no gap)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.fields import ZERO, round_money
from erp.locks import lock_row, lock_rows
from erp.numbering import bump_sequence
from erp.periods import assert_open
from erp.states import Flow
from erp.types import User

from ..models import Account, Voucher, VoucherLine, VoucherSequence, VoucherStatus
from .accounts import accounts_by_code

DEFAULT_WORD = "记"
VOUCHER_FLOW = Flow(
    {
        VoucherStatus.DRAFT: {VoucherStatus.AUDITED},
        VoucherStatus.AUDITED: {VoucherStatus.POSTED, VoucherStatus.DRAFT},
    }
)


@dataclass
class LineSpec:
    """One voucher line: `account` is an Account or its code; amounts signed (red = negative)."""

    account: Account | str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    summary: str = ""
    aux_kind: str = ""
    aux_id: int | None = None
    aux_label: str = ""


def _user(user):
    return user if getattr(user, "pk", None) else None


def _next_number(year: int, month: int, word: str) -> int:
    """The next number of the period and word (the sequence row is created or bumped in one
    statement and stays locked until the transaction ends: gap-free)."""
    return bump_sequence(VoucherSequence, year=year, month=month, word=word)


def _resolve(lines: list[LineSpec], chart: dict[str, Account] | None = None) -> list[tuple[LineSpec, Account]]:
    """Each line's account; refused when unknown or not a leaf. `chart`: every account by code,
    already read by the caller (then the leaf check needs no query)."""
    if chart is not None:
        by_code = chart
    elif any(isinstance(ln.account, str) for ln in lines):
        by_code = accounts_by_code()
    else:
        by_code = {}
    out = []
    for ln in lines:
        acc = ln.account if isinstance(ln.account, Account) else by_code.get(ln.account)
        if acc is None:
            raise ValidationError(_("Account %(code)s does not exist.") % {"code": ln.account}, code="no_account")
        out.append((ln, acc))
    if chart is not None:
        parents = {a.parent_id for a in chart.values() if a.parent_id}
    else:
        parents = set(
            Account.objects.filter(pk__in={a.pk for _l, a in out}, children__isnull=False).values_list("pk", flat=True)
        )
    for _l, acc in out:
        if acc.pk in parents:
            raise ValidationError(
                _("%(account)s has sub-accounts: post to one of them.") % {"account": acc}, code="not_leaf"
            )
    return out


def _check_balanced(lines: list[LineSpec]) -> tuple[Decimal, Decimal]:
    if not lines:
        raise ValidationError(_("A voucher needs at least one line."), code="no_lines")
    for ln in lines:
        ln.debit, ln.credit = round_money(ln.debit or ZERO), round_money(ln.credit or ZERO)
        if ln.debit and ln.credit:
            raise ValidationError(_("A voucher line is either a debit or a credit."), code="both_sides")
    debit = sum((ln.debit for ln in lines), ZERO)
    credit = sum((ln.credit for ln in lines), ZERO)
    if debit != credit:
        raise ValidationError(
            _("The voucher does not balance: debit %(d)s, credit %(c)s.")
            % {"d": f"{debit:,.2f}", "c": f"{credit:,.2f}"},
            code="unbalanced",
        )
    if not any(ln.debit or ln.credit for ln in lines):
        raise ValidationError(_("All amounts of the voucher are zero."), code="all_zero")
    return debit, credit


def _write(voucher: Voucher, resolved: list[tuple[LineSpec, Account]]) -> None:
    VoucherLine.objects.bulk_create(
        [
            VoucherLine(
                voucher=voucher,
                line_no=n,
                account=acc,
                summary=(ln.summary or voucher.summary)[:200],
                debit=ln.debit,
                credit=ln.credit,
                aux_kind=ln.aux_kind,
                aux_id=ln.aux_id,
                aux_label=ln.aux_label[:200],
            )
            for n, (ln, acc) in enumerate(resolved, start=1)
        ]
    )


def voucher_create(
    *,
    on_date: datetime.date,
    lines: list[LineSpec],
    summary: str = "",
    word: str = DEFAULT_WORD,
    post: bool = False,
    source_type: str = "",
    source_id: int | None = None,
    source_number: str = "",
    reversal_of: Voucher | None = None,
    attachments: int = 0,
    user: User | None = None,
    chart: dict[str, Account] | None = None,
    savepoint: bool = True,
) -> Voucher:
    """A voucher; `post=True` (vouchers of documents) posts and numbers it at once. `chart`: every
    account by code when the caller has read them already; `savepoint=False` inside a caller's
    transaction that rolls back as a whole on any error (the posting listener)."""
    with transaction.atomic(savepoint=savepoint):
        assert_open(on_date)
        debit, credit = _check_balanced(lines)
        resolved = _resolve(lines, chart)
        now = timezone.now()
        voucher = Voucher(
            word=word or DEFAULT_WORD,
            voucher_date=on_date,
            year=on_date.year,
            month=on_date.month,
            summary=summary[:200],
            source_type=source_type,
            source_id=source_id,
            source_number=source_number[:60],
            is_reversal=reversal_of is not None,
            reversal_of=reversal_of,
            attachments=attachments,
            debit_total=debit,
            credit_total=credit,
            created_by=_user(user),
        )
        if post:
            voucher.status = VoucherStatus.POSTED
            voucher.number = _next_number(on_date.year, on_date.month, voucher.word)
            voucher.posted_by, voucher.posted_at = _user(user), now
        voucher.save()
        _write(voucher, resolved)
        return voucher


@transaction.atomic
def voucher_update(
    *,
    voucher_id: int,
    on_date: datetime.date,
    lines: list[LineSpec],
    summary: str = "",
    attachments: int = 0,
    user: User | None = None,
) -> Voucher:
    """Change a draft (posted vouchers are never edited: reverse them)."""
    voucher = lock_row(Voucher, voucher_id)
    if voucher.status != VoucherStatus.DRAFT:
        raise StateError(_("Only draft vouchers can be changed."), code="not_draft")
    assert_open(on_date)
    debit, credit = _check_balanced(lines)
    resolved = _resolve(lines)
    voucher.voucher_date, voucher.year, voucher.month = on_date, on_date.year, on_date.month
    voucher.summary, voucher.attachments = summary[:200], attachments
    voucher.debit_total, voucher.credit_total = debit, credit
    voucher.save()
    voucher.lines.all().delete()
    _write(voucher, resolved)
    return voucher


@transaction.atomic
def voucher_delete(*, voucher_id: int, user: User | None = None) -> None:
    voucher = lock_row(Voucher, voucher_id)
    if voucher.status != VoucherStatus.DRAFT:
        raise StateError(_("Only draft vouchers can be deleted."), code="not_draft")
    voucher.delete()


@transaction.atomic
def voucher_audit(*, voucher_id: int, user: User | None) -> Voucher:
    """审核: by another user than the maker."""
    voucher = lock_row(Voucher, voucher_id)
    if voucher.status == VoucherStatus.AUDITED:
        return voucher
    VOUCHER_FLOW.check(voucher, VoucherStatus.AUDITED)
    if voucher.created_by_id and getattr(user, "pk", None) == voucher.created_by_id:
        raise StateError(_("The maker of a voucher cannot audit it: another user audits."), code="self_audit")
    VOUCHER_FLOW.apply(voucher, VoucherStatus.AUDITED)
    voucher.audited_by, voucher.audited_at = _user(user), timezone.now()
    voucher.save(update_fields=["status", "audited_by", "audited_at"])
    return voucher


@transaction.atomic
def voucher_unaudit(*, voucher_id: int, user: User | None) -> Voucher:
    voucher = lock_row(Voucher, voucher_id)
    if voucher.status == VoucherStatus.DRAFT:
        return voucher
    VOUCHER_FLOW.check(voucher, VoucherStatus.DRAFT)
    VOUCHER_FLOW.apply(voucher, VoucherStatus.DRAFT)
    voucher.audited_by, voucher.audited_at = None, None
    voucher.save(update_fields=["status", "audited_by", "audited_at"])
    return voucher


@transaction.atomic
def voucher_post(*, voucher_id: int, user: User | None) -> Voucher:
    """过账: an audited voucher gets the next number of its period and word."""
    voucher = lock_row(Voucher, voucher_id)
    if voucher.status == VoucherStatus.POSTED:
        return voucher
    VOUCHER_FLOW.check(voucher, VoucherStatus.POSTED)
    assert_open(voucher.voucher_date)
    VOUCHER_FLOW.apply(voucher, VoucherStatus.POSTED)
    voucher.number = _next_number(voucher.year, voucher.month, voucher.word)
    voucher.posted_by, voucher.posted_at = _user(user), timezone.now()
    voucher.save(update_fields=["status", "number", "posted_by", "posted_at"])
    return voucher


@transaction.atomic
def voucher_reverse(
    *, voucher_id: int, on_date: datetime.date | None = None, user: User | None = None, summary: str = ""
) -> Voucher:
    """红字冲销: a posted voucher with the same lines in red (negative amounts). Once per voucher."""
    voucher = lock_row(Voucher, voucher_id)
    if voucher.status != VoucherStatus.POSTED:
        raise StateError(_("Only posted vouchers can be reversed."), code="not_posted")
    if voucher.is_reversal:
        raise StateError(_("A red reversal cannot be reversed again."), code="reversal")
    done = voucher.reversals.first()
    if done is not None:
        return done
    on_date = on_date or timezone.localdate()
    lines = [
        LineSpec(
            account=ln.account,
            debit=-ln.debit,
            credit=-ln.credit,
            summary=ln.summary,
            aux_kind=ln.aux_kind,
            aux_id=ln.aux_id,
            aux_label=ln.aux_label,
        )
        for ln in voucher.lines.select_related("account").order_by("line_no")
    ]
    return voucher_create(
        on_date=on_date,
        lines=lines,
        summary=summary or _("Reversal of %(voucher)s: %(summary)s") % {"voucher": voucher, "summary": voucher.summary},
        word=voucher.word,
        post=True,
        source_type=voucher.source_type,
        source_id=voucher.source_id,
        source_number=voucher.source_number,
        reversal_of=voucher,
        user=user,
    )


@transaction.atomic
def voucher_copy(*, voucher_id: int, on_date: datetime.date | None = None, user: User | None = None) -> Voucher:
    """A new draft with the lines of `voucher_id` (amounts as they are)."""
    voucher = Voucher.objects.get(pk=voucher_id)
    lines = [
        LineSpec(ln.account, ln.debit, ln.credit, ln.summary, ln.aux_kind, ln.aux_id, ln.aux_label)
        for ln in voucher.lines.select_related("account").order_by("line_no")
    ]
    return voucher_create(
        on_date=on_date or timezone.localdate(), lines=lines, summary=voucher.summary, word=voucher.word, user=user
    )


def lock_vouchers(ids) -> dict[int, Voucher]:
    return lock_rows(Voucher.objects.all(), ids)
