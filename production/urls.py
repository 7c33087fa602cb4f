from django.urls import path

from . import views, views_entry, views_print

app_name = "production"

urlpatterns = [
    path("", views.WorkOrderList.as_view(), name="wo_list"),
    path("new/", views.WorkOrderCreate.as_view(), name="wo_create"),
    path("timeline/", views.timeline, name="timeline"),
    path("wo/<int:pk>/", views.wo_detail, name="wo_detail"),
    path("wo/<int:pk>/release/", views.wo_release, name="wo_release"),
    path("wo/<int:pk>/start/", views.wo_start, name="wo_start"),
    path("wo/<int:pk>/close/", views.wo_close, name="wo_close"),
    path("wo/<int:pk>/cancel/", views.wo_cancel, name="wo_cancel"),
    path("wo/<int:pk>/children/", views.wo_children, name="wo_children"),
    path("wo/<int:pk>/scrap/", views.wo_scrap, name="wo_scrap"),
    path("wo/<int:pk>/change/", views.wo_change, name="wo_change"),
    path("wo/<int:pk>/materials/", views_entry.MaterialListEdit.as_view(), name="wo_materials"),
    path("wo/<int:pk>/print/", views_print.work_order_print, name="wo_print"),
    path("wo/<int:pk>/pdf/", views_print.work_order_pdf, name="wo_pdf"),
    path("wo/<int:pk>/material/<int:material_id>/", views.wo_material_update, name="wo_material_update"),
    path("wo/<int:pk>/kit-pick/", views.wo_kit_pick, name="wo_kit_pick"),
    path("wo/<int:pk>/pick/", views.wo_qty_pick, name="wo_qty_pick"),
    path("wo/<int:pk>/receive/", views.wo_receive, name="wo_receive"),
    path("sales-lines/", views.sales_lines, name="sales_lines"),
    path("from-sales-line/<int:line_id>/", views.wo_from_sales_line, name="wo_from_sales_line"),
    path("pickings/", views.PickingList.as_view(), name="picking_list"),
    path("pickings/merged/", views.merged_pick, name="merged_pick"),
    path("pickings/<int:pk>/", views.picking_detail, name="picking_detail"),
    path("pickings/<int:pk>/print/", views_print.picking_print, name="picking_print"),
    path("pickings/<int:pk>/pdf/", views_print.picking_pdf, name="picking_pdf"),
    path("pickings/<int:pk>/confirm/", views.picking_confirm, name="picking_confirm"),
    path("pickings/<int:pk>/cancel/", views.picking_cancel, name="picking_cancel"),
    path("receipts/", views.ReceiptList.as_view(), name="receipt_list"),
    path("receipts/<int:pk>/", views.receipt_detail, name="receipt_detail"),
    path("receipts/<int:pk>/print/", views_print.receipt_print, name="receipt_print"),
    path("receipts/<int:pk>/pdf/", views_print.receipt_pdf, name="receipt_pdf"),
    path("receipts/<int:pk>/confirm/", views.receipt_confirm, name="receipt_confirm"),
    path("receipts/<int:pk>/cancel/", views.receipt_cancel, name="receipt_cancel"),
    path("warehouse/work-orders/", views.WarehouseWorkOrderList.as_view(), name="wh_wo_list"),
    path("warehouse/pickings/", views.WarehousePickingList.as_view(), name="wh_picking_list"),
    path("warehouse/receipts/", views.WarehouseReceiptList.as_view(), name="wh_receipt_list"),
]
