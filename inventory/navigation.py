from django.utils.translation import gettext_lazy as _

from erp.navigation import register


def register_pages() -> None:
    register("warehouse", _("Items"), "inventory:item_list", order=10)
    register("warehouse", _("Warehouses"), "inventory:warehouse_list", order=12)
    register("warehouse", _("Stock on hand"), "inventory:on_hand", order=20)
    register("warehouse", _("Item ledger"), "inventory:ledger", order=22)
    register("warehouse", _("Inventory value by category"), "inventory:value_by_category", order=24)
    register("warehouse", _("Dead stock"), "inventory:dead_stock", order=26)
    register("warehouse", _("Other receipts"), "inventory:other_receipt_list", order=40)
    register("warehouse", _("Other issues"), "inventory:other_issue_list", order=42)
    register("warehouse", _("Transfers"), "inventory:transfer_list", order=44)
    register("warehouse", _("Stock counts"), "inventory:stock_count_list", order=46)
    register("purchasing", _("Suppliers"), "inventory:supplier_list", order=5)
    register("system", _("Data import"), "inventory:data_import", order=50)
    # 报表: shortcuts to the warehouse reports, for those who may open the warehouse module
    register("reports", _("Stock on hand"), "inventory:on_hand", order=10, also_module="warehouse")
    register(
        "reports", _("Inventory value by category"), "inventory:value_by_category", order=11, also_module="warehouse"
    )
    register("reports", _("Dead stock"), "inventory:dead_stock", order=12, also_module="warehouse")
