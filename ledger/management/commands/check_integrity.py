"""python manage.py check_integrity [--period YYYY-MM] — the checks after the load test (issue #20).

Prints one line per check, `ok` or `FAILED` with what is wrong, and exits non-zero when one fails:
1. document numbers: for every numbering sequence (type, year), the documents carrying its
   numbers are exactly 1..last — none lost (a gap), none duplicated, none beyond the sequence;
2. stock ledger = balances: every item × warehouse balance equals the sum of its moves (qty, value);
3. trial balance balanced: opening, movements and closing debits equal credits (the period's);
4. reconciliation: the books agree with the stock, WIP, receivable and payable subledgers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from erp.errors import DomainError
from erp.models import Document, Sequence

NUMBER = re.compile(r"^([A-Z]+)-(\d{4})-(\d+)$")


def check_numbers() -> tuple[bool, str]:
    found: dict[tuple[str, int], Counter] = defaultdict(Counter)
    for model in apps.get_models():
        if not issubclass(model, Document) or model._meta.abstract:
            continue
        for number in model._default_manager.values_list("number", flat=True).iterator(chunk_size=20_000):
            m = NUMBER.match(number or "")
            if m:
                found[(m.group(1), int(m.group(2)))][int(m.group(3))] += 1
    problems, issued = [], 0
    types = {t for t, _y in found}  # sequences of documents (customer codes etc. are not documents)
    sequences = {(s.doc_type, s.year): s.last for s in Sequence.objects.filter(doc_type__in=types)}
    for key in sorted(set(found) | set(sequences)):
        last = sequences.get(key, 0)
        seen = found.get(key, Counter())
        issued += len(seen)
        dup = sorted(n for n, c in seen.items() if c > 1)
        beyond = sorted(n for n in seen if n > last)
        lost = last - len([n for n in seen if n <= last])
        if dup or beyond or lost:
            problems.append(
                f"{key[0]}-{key[1]}: last {last}, {len(seen)} numbers, lost {lost}, "
                f"duplicated {dup[:5]}, beyond the sequence {beyond[:5]}"
            )
    detail = f"{len(sequences)} sequences, {issued} numbers" + ("; " + "; ".join(problems) if problems else "")
    return not problems, detail


def check_stock_balances() -> tuple[bool, str]:
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*) FROM (
              SELECT coalesce(m.item_id, b.item_id), coalesce(m.warehouse_id, b.warehouse_id)
              FROM (SELECT item_id, warehouse_id, sum(qty) q, sum(value) v FROM inventory_stockmove
                    GROUP BY item_id, warehouse_id) m
              FULL OUTER JOIN inventory_stockbalance b ON b.item_id = m.item_id AND b.warehouse_id = m.warehouse_id
              WHERE coalesce(m.q, 0) <> coalesce(b.qty, 0) OR coalesce(m.v, 0) <> coalesce(b.value, 0)
            ) diff
            """
        )
        (diffs,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM inventory_stockmove")
        (moves,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM inventory_stockbalance")
        (balances,) = cur.fetchone()
    return diffs == 0, f"{moves} moves, {balances} balances, {diffs} differing"


def check_trial_balance(year: int, month: int) -> tuple[bool, str]:
    from ledger.services import reports

    t = reports.tb_totals(reports.trial_balance(year, month))
    ok = (
        t["opening_debit"] == t["opening_credit"]
        and t["debit"] == t["credit"]
        and t["closing_debit"] == t["closing_credit"]
    )
    return ok, (
        f"{year}-{month:02d}: opening {t['opening_debit']:.2f} / {t['opening_credit']:.2f}, "
        f"movements {t['debit']:.2f} / {t['credit']:.2f}, closing {t['closing_debit']:.2f} / {t['closing_credit']:.2f}"
    )


def check_reconciliation(year: int, month: int) -> tuple[bool, str]:
    from ledger.services import reconcile

    diffs = reconcile.reconcile(year, month)
    detail = "; ".join(f"{d.area} {d.account}: books {d.books:.2f} subledger {d.subledger:.2f}" for d in diffs[:10])
    return not diffs, f"{year}-{month:02d}: {len(diffs)} differences" + (f" ({detail})" if detail else "")


class Command(BaseCommand):
    help = (
        "Check document numbers, stock ledger = balances, trial balance and reconciliation; non-zero exit on failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", default="", help="YYYY-MM (default: this month)")

    def handle(self, *args, period, **opts):
        from ledger.services import reports

        if period:
            try:
                year, month = reports.parse_period(period)
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
        else:
            today = timezone.localdate()
            year, month = today.year, today.month
        checks = [
            ("document numbers (none lost or duplicated)", check_numbers),
            ("stock ledger = balances", check_stock_balances),
            ("trial balance balanced", lambda: check_trial_balance(year, month)),
            ("reconciliation report empty", lambda: check_reconciliation(year, month)),
        ]
        failed = 0
        for name, check in checks:
            ok, detail = check()
            failed += not ok
            self.stdout.write(f"{'ok    ' if ok else 'FAILED'} {name}: {detail}")
        if failed:
            raise CommandError(f"{failed} integrity check(s) failed")
