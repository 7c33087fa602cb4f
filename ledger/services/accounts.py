"""Chart of accounts: the default chart, lookups, the stock account of an item, posting rules."""

from django.db import transaction
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.locks import lock_row
from erp.types import User
from inventory.models import Item, ItemCategory, SupplyType, Warehouse, WarehouseKind

from ..engine.chart import DEFAULT_CHART, parent_code
from ..engine.rules import AT_SUBCONTRACTOR, DEFAULT_RULES, FINISHED_GOODS, RAW_MATERIALS
from ..models import Account, AccountKind, Auxiliary, CategoryAccount, Direction, PostingRule


def ensure_default_chart() -> int:
    """Create the accounts of the default chart that are missing (idempotent). Returns created."""
    existing = set(Account.objects.values_list("code", flat=True))
    if len(existing) >= len(DEFAULT_CHART) and all(c[0] in existing for c in DEFAULT_CHART):
        return 0
    made = 0
    by_code = {a.code: a for a in Account.objects.all()}
    for code, name, kind, direction, aux in DEFAULT_CHART:
        if code in by_code:
            continue
        parent = by_code.get(parent_code(code) or "")
        by_code[code] = Account.objects.create(
            code=code, name=name, kind=kind, direction=direction, auxiliary=aux, parent=parent
        )
        made += 1
    return made


def accounts_by_code() -> dict[str, Account]:
    """Every account by code; the default chart's missing accounts are created first."""
    accounts = {a.code: a for a in Account.objects.all()}
    if any(c[0] not in accounts for c in DEFAULT_CHART):
        ensure_default_chart()
        accounts = {a.code: a for a in Account.objects.all()}
    return accounts


def rule_codes() -> dict[tuple[str, str], str]:
    """Voucher templates: the shipped defaults overridden by the company's rules."""
    rules = dict(DEFAULT_RULES)
    for r in PostingRule.objects.select_related("account"):
        rules[(r.source_type, r.role)] = r.account.code
    return rules


def stock_accounts(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """Stock account code of (item, warehouse): 1408 at a subcontractor; else the category
    setting (nearest ancestor), else 1405 for made or outsourced items, 1403 for the rest."""
    items = Item.objects.in_bulk({i for i, _w in pairs})
    whs = Warehouse.objects.in_bulk({w for _i, w in pairs})
    settings = dict(CategoryAccount.objects.values_list("category_id", "account__code"))
    tree: dict[int, tuple[int, int, int]] = {}
    if settings:
        cat_ids = {it.category_id for it in items.values() if it.category_id}
        # the items' categories and the categories with a setting, in one read
        rows = ItemCategory.objects.filter(pk__in=cat_ids | settings.keys()).values_list("pk", "tree_id", "lft", "rght")
        tree = {pk: (tree_id, lft, rght) for pk, tree_id, lft, rght in rows}
    places = []
    for i, w in pairs:
        wh, item = whs.get(w), items[i]
        places.append((i, w, item.category_id, *(tree.get(item.category_id or 0) or (None, None, None)), item.supply_type,
                       wh.kind if wh is not None else None))  # fmt: skip
    return _stock_codes(places, {pk: (code, tree.get(pk)) for pk, code in settings.items()})


# what decides the stock account of an (item, warehouse), as values of a stock move query
STOCK_PLACE = (
    "item_id",
    "warehouse_id",
    "item__category_id",
    "item__category__tree_id",
    "item__category__lft",
    "item__category__rght",
    "item__supply_type",
    "warehouse__kind",
)


def stock_accounts_of(places) -> dict[tuple[int, int], str]:
    """`stock_accounts` of rows read with the STOCK_PLACE values (the caller's own query, e.g. of a
    document's stock moves): one more query, the category settings."""
    settings: dict[int, tuple[str, tuple[int, int, int] | None]] = {
        pk: (code, (tree_id, lft, rght))
        for pk, code, tree_id, lft, rght in CategoryAccount.objects.values_list(
            "category_id", "account__code", "category__tree_id", "category__lft", "category__rght"
        )
    }
    return _stock_codes(places, settings)


def _stock_codes(places, settings: dict[int, tuple[str, tuple[int, int, int] | None]]) -> dict[tuple[int, int], str]:
    """places: (item, warehouse, category, its tree_id, lft, rght, supply type, warehouse kind);
    settings: category → (account code, its tree_id, lft, rght). The nearest ancestor with a
    setting is found in memory from the tree fields (no query per category)."""
    set_rows = [(where, pk) for pk, (_code, where) in settings.items() if where is not None]
    cat_code: dict[int, str | None] = {}
    out = {}
    for i, w, cid, tree_id, lft, rght, supply_type, wh_kind in places:
        if cid and cid not in cat_code and settings:
            found = settings[cid][0] if cid in settings else None
            if found is None and tree_id is not None:
                ancestors = [
                    (a_lft, pk)
                    for (a_tree, a_lft, a_rght), pk in set_rows
                    if a_tree == tree_id and a_lft < lft and a_rght > rght
                ]
                if ancestors:
                    found = settings[max(ancestors)[1]][0]
            cat_code[cid] = found
        if wh_kind == WarehouseKind.SUBCONTRACTOR:
            out[(i, w)] = AT_SUBCONTRACTOR
        elif cid and cat_code.get(cid):
            out[(i, w)] = cat_code[cid] or RAW_MATERIALS
        elif supply_type in (SupplyType.MANUFACTURE, SupplyType.OUTSOURCE):
            out[(i, w)] = FINISHED_GOODS
        else:
            out[(i, w)] = RAW_MATERIALS
    return out


def has_postings(account: Account) -> bool:
    from ..models import OpeningBalance, VoucherLine

    codes = [account.code]
    return (
        VoucherLine.objects.filter(account__code__startswith=account.code + ".").exists()
        or VoucherLine.objects.filter(account__code__in=codes).exists()
        or OpeningBalance.objects.filter(account=account).exists()
    )


@transaction.atomic
def account_create(
    *,
    code: str,
    name: str,
    parent_code_: str | None = None,
    kind: str | None = None,
    direction: str | None = None,
    auxiliary: str = Auxiliary.NONE,
    user: User | None = None,
) -> Account:
    """Add an account (a sub-account inherits kind and direction of its parent)."""
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or not name:
        raise ValidationError(_("An account needs a code and a name."), code="account_required")
    if Account.objects.filter(code=code).exists():
        raise ValidationError(_("Account %(code)s already exists.") % {"code": code}, code="account_exists")
    parent = None
    pcode = parent_code_ if parent_code_ is not None else parent_code(code)
    if pcode:
        parent = Account.objects.filter(code=pcode).first()
        if parent is None:
            raise ValidationError(_("The parent account %(code)s does not exist.") % {"code": pcode}, code="no_parent")
        if not code.startswith(parent.code + "."):
            raise ValidationError(
                _("A sub-account's code starts with its parent's code and a dot (%(code)s.01).")
                % {"code": parent.code},
                code="bad_code",
            )
        if has_postings(parent) and not parent.children.exists():
            raise ValidationError(
                _("Account %(code)s already has postings: it cannot get sub-accounts.") % {"code": parent.code},
                code="parent_posted",
            )
    kind = kind or (parent.kind if parent else None)
    direction = direction or (parent.direction if parent else None)
    if kind not in AccountKind.values:
        raise ValidationError(_("Choose the kind of the account."), code="bad_kind")
    if direction not in Direction.values:
        raise ValidationError(_("Choose the balance direction of the account."), code="bad_direction")
    if auxiliary not in Auxiliary.values:
        raise ValidationError(_("Unknown auxiliary dimension."), code="bad_aux")
    return Account.objects.create(
        code=code, name=name, parent=parent, kind=kind, direction=direction, auxiliary=auxiliary
    )


@transaction.atomic
def account_delete(*, account_id: int, user: User | None = None) -> None:
    account = lock_row(Account, account_id)
    if account.children.exists() or has_postings(account):
        raise StateError(
            _("Account %(code)s has postings or sub-accounts and cannot be deleted.") % {"code": account.code},
            code="account_used",
        )
    account.delete()


def leaf_ok(account: Account) -> None:
    """Vouchers post to leaf accounts only."""
    if account.children.exists():
        raise ValidationError(
            _("%(account)s has sub-accounts: post to one of them.") % {"account": account}, code="not_leaf"
        )


@transaction.atomic
def posting_rule_set(*, source_type: str, role: str, account_code: str, user: User | None = None) -> PostingRule:
    """Change one line of a voucher template (document type + line kind → account)."""
    if (source_type, role) not in DEFAULT_RULES:
        raise ValidationError(_("Unknown voucher template line."), code="bad_rule")
    account = Account.objects.filter(code=(account_code or "").split(" ")[0].strip()).first()
    if account is None:
        raise ValidationError(_("Account %(code)s does not exist.") % {"code": account_code}, code="no_account")
    if account.children.exists():
        raise ValidationError(
            _("%(account)s has sub-accounts: post to one of them.") % {"account": account}, code="not_leaf"
        )
    rule, _created = PostingRule.objects.update_or_create(
        source_type=source_type, role=role, defaults={"account": account}
    )
    return rule
