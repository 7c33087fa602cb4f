"""The load test's users (issue #20): `make loadtest` runs them through loadtest/run.py.

Each user logs in and then mixes, with think times of 0.5–2 s: list pages (with filters and
deep pages), the global search, document entry (a sales order, a stock transfer posted at once),
kit picking for a released work order (drafted and confirmed), purchase receipts and MRP runs.
Every POST carries the one-time submit token of its form, as a browser sends it. Requests are
grouped by page kind; loadtest/run.py reports p50/p95 per kind from the file written at the end.

Inputs (environment): LOADTEST_IDS (JSON written by run.py: work orders, purchase orders, item
codes with stock, customers, finished goods), LOADTEST_USER / LOADTEST_PASSWORD,
LOADTEST_RESULTS (where to write the response times).
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import time
from html.parser import HTMLParser

from locust import HttpUser, between, events, task

with open(os.environ.get("LOADTEST_IDS", "/tmp/loadtest-ids.json"), encoding="utf-8") as _fh:
    IDS = json.load(_fh)
USER = os.environ.get("LOADTEST_USER", "loadtest")
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Load-test-2026")
RESULTS: list[tuple[str, str, float, bool]] = []  # (kind, name, ms, ok)
TOKEN = re.compile(r'name="_submit_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DETAIL = re.compile(r"/(\d+)/$")

LIST_PAGES = [
    ("sales orders", "/crm/orders/"),
    ("sales orders, page 200", "/crm/orders/?page=200"),
    ("sales orders, confirmed", "/crm/orders/?status=confirmed"),
    ("items", "/inventory/items/"),
    ("items, page 500", "/inventory/items/?page=500"),
    ("on hand", "/inventory/on-hand/"),
    ("work orders", "/production/"),
    ("pickings", "/production/pickings/"),
    ("purchase orders", "/procurement/orders/"),
    ("purchase receipts", "/procurement/receipts/"),
    ("transfers", "/inventory/transfers/"),
    ("MRP runs", "/mrp/runs/"),
]


class Forms(HTMLParser):
    """Every POST form of a page: its action and its fields with their default values."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict]] = []
        self.fields = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self.fields = {}
            self.forms.append((a.get("action") or "", self.fields))
        elif self.fields is None:
            return
        elif tag in ("input", "textarea") and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and ("selected" in a or not self.fields[self.select]):
            self.fields[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.fields = None


def forms_of(html: str) -> list[tuple[str, dict]]:
    p = Forms()
    p.feed(html)
    return p.forms


class ErpUser(HttpUser):
    wait_time = between(0.5, 2.0)

    # --- plumbing ----------------------------------------------------------------------------

    def _req(self, kind, name, method, url, expect=(200,), **kw):
        kw.setdefault("allow_redirects", False)
        t0 = time.perf_counter()
        with self.client.request(method, url, name=f"{kind}: {name}", catch_response=True, **kw) as r:
            ms = (time.perf_counter() - t0) * 1000
            ok = r.status_code in expect
            if not ok:
                r.failure(f"HTTP {r.status_code}")
            else:
                r.success()
        RESULTS.append((kind, name, ms, ok))
        return r

    def _form(self, kind, name, url):
        r = self._req(kind, name, "GET", url)
        html = r.text if r.status_code == 200 else ""
        csrf = CSRF.search(html)
        token = TOKEN.search(html)
        return html, {
            "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
            **({"_submit_token": token.group(1)} if token else {}),
        }

    def _post(self, kind, name, url, data):
        headers = {"Referer": self.host + url}
        return self._req(kind, name, "POST", url, expect=(302,), data=data, headers=headers)

    def on_start(self):
        html, base = self._form("login", "login form", "/accounts/login/")
        self._post("login", "login", "/accounts/login/", {**base, "username": USER, "password": PASSWORD})

    # --- the mix -------------------------------------------------------------------------------

    @task(10)
    def list_page(self):
        name, url = random.choice(LIST_PAGES)
        self._req("list page", name, "GET", url)

    @task(2)
    def list_filter(self):
        code = random.choice(IDS["item_codes"])
        self._req("list page", "items, search filter", "GET", f"/inventory/items/?q={code[:6]}")

    @task(2)
    def stock_ledger(self):
        # the item ledger of one item (running totals over all 1M moves unfiltered take ~25 s: README)
        code = random.choice(IDS["item_codes"])
        self._req("list page", "stock ledger of an item", "GET", f"/inventory/ledger/?item={code}")

    @task(3)
    def search(self):
        q = random.choice([random.choice(IDS["item_codes"]), random.choice(IDS["so_numbers"]), "Bench item 12"])
        self._req("search", "global search", "GET", f"/search/?q={q}")

    @task(3)
    def sales_order(self):
        _html, base = self._form("form page", "sales order form", "/crm/orders/new/")
        today = datetime.date.today()
        data = {
            **base,
            "customer": random.choice(IDS["customers"]),
            "order_date": today.isoformat(),
            "customer_po": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": random.choice(IDS["fg_items"]),
            "lines-0-qty": str(random.randint(1, 20)),
            "lines-0-unit_price": str(random.randint(50, 500)),
            "lines-0-tax_rate": "13",
            "lines-0-discount_rate": "0",
            "lines-0-due_date": (today + datetime.timedelta(days=30)).isoformat(),
        }
        self._post("document entry", "sales order", "/crm/orders/new/", data)

    @task(2)
    def transfer(self):
        _html, base = self._form("form page", "transfer form", "/inventory/transfers/new/")
        data = {
            **base,
            "doc_date": datetime.date.today().isoformat(),
            "from_warehouse": IDS["warehouses"][0],
            "to_warehouse": IDS["warehouses"][1],
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-item": random.choice(IDS["item_codes"]),
            "lines-0-qty": "1",
        }
        r = self._post("document entry", "stock transfer", "/inventory/transfers/new/", data)
        where = r.headers.get("Location", "")
        m = DETAIL.search(where)
        if m and "/transfers/" in where:
            _html, base = self._form("form page", "transfer detail", where)
            self._post("document entry", "stock transfer confirm", f"{where}confirm/", base)

    @task(2)
    def kit_picking(self):
        wo = random.choice(IDS["work_orders"])
        _html, base = self._form("form page", "work order", f"/production/wo/{wo}/")
        data = {**base, "target_sets": "1", "pick_date": datetime.date.today().isoformat()}
        r = self._post("picking", "kit pick", f"/production/wo/{wo}/kit-pick/", data)
        where = r.headers.get("Location", "")
        if "/pickings/" in where and DETAIL.search(where):
            _html, base = self._form("form page", "picking", where)
            self._post("picking", "picking confirm", f"{where}confirm/", base)

    @task(2)
    def purchase_receipt(self):
        po = random.choice(IDS["purchase_orders"])
        url = f"/procurement/orders/{po}/receive/"
        html, _base = self._form("form page", "receive form", url)
        form = next((f for action, f in forms_of(html) if any(k.startswith("qty_") for k in f)), None)
        if form is None:
            return  # fully received meanwhile
        first = True
        for key in [k for k in form if k.startswith("qty_")]:
            form[key] = "1" if first else "0"
            first = False
        self._post("receipt", "purchase receipt", url, form)

    @task(1)
    def mrp_run(self):
        _html, base = self._form("form page", "MRP runs", "/mrp/runs/")
        data = {**base, "run_date": datetime.date.today().isoformat(), "horizon_days": "30"}
        self._post("MRP run", "MRP run start", "/mrp/runs/start/", data)


@events.test_stop.add_listener
def _write_results(environment, **kw):
    path = os.environ.get("LOADTEST_RESULTS", "/tmp/loadtest-results.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(RESULTS, fh)
