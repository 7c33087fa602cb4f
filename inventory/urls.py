from django.urls import path

from . import lookup, views, views_entry, views_print

app_name = "inventory"

urlpatterns = [
    path("items/", views.ItemList.as_view(), name="item_list"),
    path("items/new/", views.ItemCreate.as_view(), name="item_create"),
    path("items/lookup/", lookup.item_lookup, name="item_lookup"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.ItemEdit.as_view(), name="item_edit"),
    path("suppliers/", views.SupplierList.as_view(), name="supplier_list"),
    path("suppliers/new/", views.SupplierCreate.as_view(), name="supplier_create"),
    path("suppliers/<int:pk>/", views.SupplierEdit.as_view(), name="supplier_edit"),
    path("warehouses/", views.WarehouseList.as_view(), name="warehouse_list"),
    path("warehouses/new/", views.WarehouseCreate.as_view(), name="warehouse_create"),
    path("warehouses/<int:pk>/", views.WarehouseEdit.as_view(), name="warehouse_edit"),
    path("on-hand/", views.OnHandList.as_view(), name="on_hand"),
    path("ledger/", views.LedgerList.as_view(), name="ledger"),
    path("value-by-category/", views.value_by_category, name="value_by_category"),
    path("dead-stock/", views.dead_stock, name="dead_stock"),
    path("import/", views.data_import, name="data_import"),
    path("stock-counts/<int:pk>/enter/", views.stock_count_enter, name="stock_count_enter"),
]

for kind, slug in (
    ("other_receipt", "other-receipts"),
    ("other_issue", "other-issues"),
    ("transfer", "transfers"),
    ("stock_count", "stock-counts"),
):
    create, detail, confirm, cancel = views.doc_views(kind)
    entry = views_entry.entry_views(kind) if kind in views_entry.KINDS else {}
    create = entry.get("create", create)
    print_view, pdf_view = views_print.VIEWS[kind]
    urlpatterns += [
        path(f"{slug}/", views.doc_list_view(kind), name=f"{kind}_list"),
        path(f"{slug}/new/", create, name=f"{kind}_create"),
        path(f"{slug}/<int:pk>/", detail, name=f"{kind}_detail"),
        path(f"{slug}/<int:pk>/print/", print_view, name=f"{kind}_print"),
        path(f"{slug}/<int:pk>/pdf/", pdf_view, name=f"{kind}_pdf"),
        path(f"{slug}/<int:pk>/confirm/", confirm, name=f"{kind}_confirm"),
        path(f"{slug}/<int:pk>/cancel/", cancel, name=f"{kind}_cancel"),
    ]
    if entry:
        urlpatterns += [
            path(f"{slug}/<int:pk>/edit/", entry["edit"], name=f"{kind}_edit"),
            path(f"{slug}/<int:pk>/copy/", entry["copy"], name=f"{kind}_copy"),
        ]
