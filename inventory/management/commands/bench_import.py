"""Benchmark: import 50,000 items and 30,000 opening stock rows, then re-import the same folder.

Prints seconds. Runs in one transaction that is rolled back at the end (use --keep to commit).
"""

import csv
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from erp.exchange import import_files, read_folder


def write_folder(base: Path, *, items: int, stock: int, warehouses: int = 20, suppliers: int = 200) -> None:
    with open(base / "suppliers.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "contact", "phone", "email", "address", "tax_id"])
        for n in range(suppliers):
            w.writerow([f"BS{n:04d}", f"供应商 {n}", "张三", "021-0000", "", "上海", ""])
    with open(base / "warehouses.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "parent_code", "nettable"])
        for n in range(warehouses):
            w.writerow([f"BW{n:02d}", f"仓库 {n}", "", 1 if n % 5 else 0])
        for n in range(warehouses):
            w.writerow([f"BW{n:02d}-A", f"库位 {n}", f"BW{n:02d}", 1])
    with open(base / "items.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "code", "name", "uom", "category", "supply_type", "make_to_order", "lead_time_days",
                "safety_stock", "min_order_qty", "order_multiple", "order_period_days", "standard_cost",
                "default_supplier",
            ]
        )  # fmt: skip
        types = ["purchase", "manufacture", "outsource", "purchase"]
        for n in range(items):
            st = types[n % 4]
            w.writerow(
                [
                    f"BI{n:06d}", f"物料 {n}", ["pcs", "kg", "m", "set"][n % 4], f"类别{n % 10}/子类{n % 50}",
                    st, n % 2, n % 30, n % 100, 0, 10, 0, f"{n % 997}.25",
                    f"BS{n % 200:04d}" if st in ("purchase", "outsource") else "",
                ]
            )  # fmt: skip
    with open(base / "stock.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["item_code", "warehouse", "qty", "unit_cost"])
        for n in range(stock):
            w.writerow([f"BI{n % items:06d}", f"BW{(n // items) % warehouses:02d}", 1 + n % 500, f"{n % 97}.5"])


class Command(BaseCommand):
    help = "Time the import of 50,000 items and 30,000 stock rows (and a re-import of the same folder)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=50_000)
        parser.add_argument("--stock", type=int, default=30_000)
        parser.add_argument("--keep", action="store_true", help="Commit the imported data instead of rolling back.")

    def handle(self, *args, items, stock, keep, **options):
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            t0 = time.perf_counter()
            write_folder(base, items=items, stock=stock)
            self.stdout.write(f"generated {items} items, {stock} stock rows in {time.perf_counter() - t0:.2f}s")
            with transaction.atomic():
                files = read_folder(base)
                total = 0.0
                for name, rows in files.items():  # registry order: suppliers, warehouses, items, stock
                    t0 = time.perf_counter()
                    report = import_files({name: rows})
                    took = time.perf_counter() - t0
                    total += took
                    self.stdout.write(f"  {name}: {report.counts[name]} in {took:.2f}s")
                self.stdout.write(f"import: {total:.2f}s")
                t0 = time.perf_counter()
                report = import_files(read_folder(base))
                second = time.perf_counter() - t0
                for name, c in report.counts.items():
                    self.stdout.write(f"  {name}: {c}")
                self.stdout.write(f"re-import (nothing changes): {second:.2f}s")
                if not keep:
                    transaction.set_rollback(True)
