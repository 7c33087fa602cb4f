"""Roles (groups) and what each may open. `sync_roles` runs after every migrate, so groups
always carry the module permissions and the model permissions of the apps they work in."""

from django.utils.translation import gettext_lazy as _

MODULES = [
    # code, label, bootstrap icon-ish emoji-free short code
    ("sales", _("Sales / CRM")),
    ("purchasing", _("Purchasing")),
    ("outsourcing", _("Outsourcing")),
    ("warehouse", _("Warehouse")),
    ("bom", _("BOM")),
    ("planning", _("Planning / MRP")),
    ("production", _("Production")),
    ("marketing", _("Marketing")),
    ("costing", _("Costing")),
    ("ledger", _("General ledger")),
    ("portal", _("Supplier portal")),
    ("reports", _("Reports")),
    ("system", _("System")),
]
MODULE_CODES = [code for code, _label in MODULES]

# group name -> (modules it opens, apps whose model permissions it gets (all), extra "app.codename")
ROLES = {
    "管理员": (
        MODULE_CODES,
        ["erp", "inventory", "bom", "mrp", "production", "procurement", "crm", "costing", "ledger", "portal"],
        [],
    ),
    "销售": (["sales", "reports"], ["crm"], ["inventory.view_item"]),
    "采购": (
        ["purchasing", "outsourcing", "reports"],
        ["procurement"],
        ["inventory.view_item", "inventory.view_supplier", "inventory.add_supplier", "inventory.change_supplier"],
    ),
    "仓库": (["warehouse", "reports"], ["inventory"], []),
    "计划": (["planning", "bom", "production", "reports"], ["mrp", "bom"], ["inventory.view_item"]),
    "生产": (["production", "bom"], ["production"], ["inventory.view_item"]),
    "成本会计": (
        ["costing", "reports", "warehouse"],
        ["costing"],
        ["inventory.view_item", "procurement.view_accrualentry", "procurement.view_supplierinvoice"],
    ),
    # marketing: campaigns and leads (crm/roles.py grants the crm permissions it needs)
    "市场": (["marketing", "reports"], [], []),
    # bookkeeping: chart of accounts, vouchers, reports
    "会计": (["ledger", "reports"], ["ledger"], []),
    # auditors read the books (every ledger page and report) and change nothing
    "审计": (
        ["ledger", "reports"],
        [],
        [
            "ledger.view_account",
            "ledger.view_categoryaccount",
            "ledger.view_postingrule",
            "ledger.view_vouchersequence",
            "ledger.view_voucher",
            "ledger.view_voucherline",
            "ledger.view_openingbalance",
        ],
    ),
    # external: users of one supplier or subcontractor, in the supplier portal only
    "供应商": (["portal"], [], []),
}
ROLE_LABELS = {
    "管理员": _("Administrator"),
    "销售": _("Sales"),
    "采购": _("Purchasing"),
    "仓库": _("Warehouse"),
    "计划": _("Planner"),
    "生产": _("Production"),
    "成本会计": _("Cost accountant"),
    "市场": _("Marketing"),
    "会计": _("Accountant"),
    "审计": _("Auditor (read only)"),
    "供应商": _("Supplier (portal)"),
}
# Permissions only admins hold even inside a module (checked by the views that need them).
ADMIN_ONLY = {"crm.change_credit_limit"}


def app_grants() -> dict[str, set[str]]:
    """Role -> permissions granted by the domain apps: each app may declare in `<app>/roles.py`
    `GRANTS = {"仓库": ["procurement.add_purchasereceipt", ...]}` — the actions of its documents
    that roles outside the app perform (the warehouse receives purchase orders, the planner
    releases work orders). The kernel only collects them."""
    from importlib import import_module

    from django.apps import apps

    out: dict[str, set[str]] = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.roles")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.roles":
                raise
            continue
        for role, perms in getattr(module, "GRANTS", {}).items():
            out.setdefault(role, set()).update(perms)
    return out


def role_permissions(name: str) -> set[str]:
    """Every "app.codename" the role holds (module access, its apps, extras, app grants)."""
    from django.contrib.auth.models import Permission

    modules, app_labels, extra = ROLES[name]
    perms = {f"erp.access_{m}" for m in modules}
    for p in Permission.objects.filter(content_type__app_label__in=app_labels).select_related("content_type"):
        label = f"{p.content_type.app_label}.{p.codename}"
        if label not in ADMIN_ONLY or name == "管理员":
            perms.add(label)
    perms |= set(extra) | app_grants().get(name, set())
    return perms


def sync_roles(using="default"):
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    from .models import Module

    ct = ContentType.objects.db_manager(using).get_for_model(Module, for_concrete_model=False)
    for code in MODULE_CODES:
        Permission.objects.db_manager(using).get_or_create(
            content_type=ct, codename=f"access_{code}", defaults={"name": f"Can open {code}"}
        )
    grants = app_grants()
    for name, (modules, apps, extra) in ROLES.items():
        group, _created = Group.objects.db_manager(using).get_or_create(name=name)
        perms = set(
            Permission.objects.db_manager(using).filter(content_type=ct, codename__in=[f"access_{m}" for m in modules])
        )
        app_perms = Permission.objects.db_manager(using).filter(content_type__app_label__in=apps)
        perms |= {
            p for p in app_perms if f"{p.content_type.app_label}.{p.codename}" not in ADMIN_ONLY or name == "管理员"
        }
        for label in [*extra, *sorted(grants.get(name, ()))]:
            app_label, codename = label.split(".")
            perms |= set(
                Permission.objects.db_manager(using).filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)
