"""Language of the rendered pages (issue 18 item 6): every list page and the first detail page
linked from it, with the demo data, in zh-hans and in English, as the administrator. A page must
not show a raw choice code (`opening`, `fg_receipt`: the stored value of a model field's choice
instead of its label), English words of our catalogs in the Chinese UI, nor Chinese words of our
catalogs in the English UI (`未到期`, `缺料`). The catalogs themselves: tests/erp/test_i18n.py
(complete) and test_catalog_consistency (one Chinese term per English term)."""

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from erp.access_table import routes

ROOT = Path(__file__).resolve().parents[2]
OUR_APPS = {"erp", "inventory", "bom", "mrp", "production", "procurement", "crm", "costing", "ledger", "portal"}
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


class _Text(HTMLParser):
    """Visible text nodes (no script/style)."""

    def __init__(self):
        super().__init__()
        self.skip = 0
        self.nodes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self.skip:
            self.nodes.append(text)


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def choice_codes() -> dict[str, str]:
    """Stored values of our models' choices that differ from their (English) labels: code -> field."""
    codes: dict[str, str] = {}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and CODE.fullmatch(value) and value != str(label):
                    codes.setdefault(value, f"{model._meta.label}.{field.name}")
    return codes


def data_codes() -> dict[str, str]:
    """Codes stored in free text fields that name a kind (stock move kinds such as `opening`,
    `fg_receipt`; source document types): the values found in the (demo) data."""
    codes: dict[str, str] = {}
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        for field in model._meta.fields:
            if (
                field.get_internal_type() == "CharField"
                and not field.choices
                and field.name in ("kind", "mode", "type")
            ):
                for value in model._default_manager.values_list(field.name, flat=True).distinct()[:200]:
                    if value and CODE.fullmatch(value):
                        codes.setdefault(value, f"{model._meta.label}.{field.name}")
    return codes


def catalog_terms() -> tuple[dict[str, str], dict[str, str]]:
    """(English msgid -> Chinese, Chinese msgstr -> English) of our zh-hans catalogs, for the
    entries whose translation differs from the English (terms of two characters or more)."""
    en_zh, zh_en = {}, {}
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if ".venv" in path.parts:
            continue
        for e in polib.pofile(str(path)):
            if e.obsolete or e.msgid_plural or "%" in e.msgid or "{" in e.msgid or not e.msgstr:
                continue
            if e.msgstr != e.msgid and re.search(r"[\u4e00-\u9fff]", e.msgstr):
                en_zh.setdefault(e.msgid, e.msgstr)
                if len(e.msgstr) >= 2:
                    zh_en.setdefault(e.msgstr, e.msgid)
    return en_zh, zh_en


def leaks(nodes: list[str], lang: str, codes, en_zh, zh_en, data_words: set[str]) -> dict[str, str]:
    """{term: what was seen} for the raw codes and the other language's words on a page."""
    found: dict[str, str] = {}
    for node in nodes:
        if node in data_words:
            continue
        if lang == "zh-hans":
            for word in CODE.findall(node):
                if word in codes and word not in data_words and re.search(rf"(?<![\w/.-]){word}(?![\w/.-])", node):
                    found[word] = f"code {word!r} ({codes[word]}) in {node[:80]!r}"
            if node in en_zh and len(node) > 3 and re.search(r"[a-z]", node):
                found[node] = f"English {node!r} (zh {en_zh[node]!r})"
        else:
            for word in CODE.findall(node):
                if word in codes and word not in data_words and (node == word or "_" in word):
                    found[word] = f"code {word!r} ({codes[word]}) in {node[:80]!r}"
            if node in zh_en:
                found[node] = f"Chinese {node!r} (en {zh_en[node]!r})"
    return found


def _pages(client) -> list[str]:
    """Every page without an id in its URL, then the first detail page linked from each."""
    lists = [
        r.url
        for r in routes()
        if "<" not in r.path
        and not (r.methods and "GET" not in r.methods)
        and not r.url.endswith((".xlsx", ".csv", ".pdf", "/progress/", "/export/"))
    ]
    details: dict[str, str] = {}
    for url in lists:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="(/[^"?#]*\d+/)"', response.content.decode()):
            try:
                match = resolve(href)
            except Resolver404:
                continue
            if match.kwargs and match.view_name not in details and not href.endswith(("/print/", "/pdf/")):
                details[match.view_name] = href
    return lists + sorted(details.values())


@pytest.mark.django_db
def test_pages_show_no_raw_codes_and_no_words_of_the_other_language(make_user):
    call_command("seed_demo", stdout=io.StringIO())
    admin = make_user("i18n_root", superuser=True)
    codes = {**data_codes(), **choice_codes()}
    assert {"opening", "fg_receipt", "draft"} <= set(codes)
    en_zh, zh_en = catalog_terms()
    # names typed in by users are data, shown as typed (demo data is Chinese)
    data_words = set()
    for model in apps.get_models():
        if model._meta.app_label in OUR_APPS and {"name"} & {f.name for f in model._meta.fields}:
            data_words |= set(model._default_manager.values_list("name", flat=True))
    # user names (demo users are called `sales`, `warehouse`, ...) are data too
    data_words |= set(get_user_model().objects.values_list("username", flat=True))
    found: dict[tuple[str, str, str], str] = {}
    pages = None
    for lang in ("zh-hans", "en"):
        client = Client(raise_request_exception=False)
        client.force_login(admin)
        client.cookies["django_language"] = lang
        pages = pages or _pages(client)
        for url in pages:
            response = client.get(url)
            assert response.status_code < 500, (lang, url, response.status_code)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            view = resolve(url).view_name
            for term, seen in leaks(
                visible_text(response.content.decode()), lang, codes, en_zh, zh_en, data_words
            ).items():
                found[(lang, view, term)] = f"{url}: {seen}"
    assert len(pages) > 150
    assert not found, f"{len(found)} raw codes or words of the other language on pages: " + "\n".join(
        f"{k}: {v}" for k, v in sorted(found.items())
    )


def test_one_chinese_term_per_english_term_across_catalogs():
    """The same msgid has the same translation in every zh_Hans catalog (scripts/po_conflicts.py
    lists the conflicts and sets one term everywhere; a word with two meanings takes a context)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("po_conflicts", ROOT / "scripts" / "po_conflicts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = module.conflicts()
    assert not found, {k[1]: v for k, v in list(found.items())[:20]}
    # a library ahead of our apps must not show its own translation of our words
    assert module.library_overrides() == {}


@pytest.mark.django_db
def test_error_pages_in_both_languages(make_user, settings):
    """404, 403, 400 and the expired-form 403 in the user's language; 500 (no database, no template
    language) shows both."""
    settings.DEBUG = False
    user = make_user("i18n_sales", "销售")
    for lang, not_found, denied, bad, expired in (
        ("zh-hans", "未找到", "无权访问", "请求无效", "表单已过期"),
        ("en", "Not found", "Access denied", "Bad request", "The form has expired"),
    ):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        client.cookies["django_language"] = lang
        response = client.get("/crm/orders/999999999/")
        assert response.status_code == 404 and not_found in response.content.decode()
        response = client.get("/inventory/items/")
        assert response.status_code == 403 and denied in response.content.decode()
        response = client.get("/crm/orders/", HTTP_HOST="not-our-host.example")
        assert response.status_code == 400 and bad in response.content.decode()
        csrf_client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        csrf_client.force_login(user)
        csrf_client.cookies["django_language"] = lang
        response = csrf_client.post("/crm/receipts/new/", {})
        assert response.status_code == 403 and expired in response.content.decode()
    page = (ROOT / "templates" / "500.html").read_text(encoding="utf-8")
    assert "系统暂时出错" in page and "Something went wrong" in page and "{%" not in page


def test_english_catalogs_show_no_chinese():
    """A source string that carries the Chinese term for translators ("Backflush (倒冲)") has an
    English translation without it, so English pages show English only."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # the one message that is about Chinese text itself (company-name suffixes it normalises)
    about_chinese = {"有限公司/有限责任公司"}
    found = []
    for path in ROOT.glob("**/locale/en/LC_MESSAGES/django.po"):
        if ".venv" in path.parts:
            continue
        for e in polib.pofile(str(path)):
            shown = e.msgstr or e.msgid
            if not e.obsolete and cjk.search(shown) and not any(a in shown for a in about_chinese):
                found.append(f"{path.parent.parent.parent.parent.name}: {e.msgid}")
    assert not found, found
