from django.urls import path

from . import views

app_name = "procurement"

urlpatterns = [
    path("requisitions/", views.RequisitionList.as_view(), name="requisition_list"),
    path("requisitions/new/", views.requisition_create, name="requisition_create"),
    path("requisitions/<int:pk>/", views.requisition_detail, name="requisition_detail"),
    path("requisitions/<int:pk>/approve/", views.requisition_approve, name="requisition_approve"),
    path("requisitions/<int:pk>/cancel/", views.requisition_cancel, name="requisition_cancel"),
    path("requisitions/<int:pk>/convert/", views.requisition_convert, name="requisition_convert"),
    path("orders/", views.PurchaseOrderList.as_view(), name="po_list"),
    path("orders/new/", views.po_create, name="po_create"),
    path("orders/<int:pk>/", views.po_detail, name="po_detail"),
    path("orders/<int:pk>/line/", views.po_line_change, name="po_line_change"),
    path("orders/<int:pk>/receive/", views.po_receive, name="po_receive"),
    path("orders/<int:pk>/<slug:action>/", views.po_action, name="po_action"),
    path("receiving/", views.receiving, name="receiving"),
    path("receipts/", views.ReceiptList.as_view(), name="receipt_list"),
    path("receipts/<int:pk>/", views.receipt_detail, name="receipt_detail"),
    path("receipts/<int:pk>/return/", views.receipt_return, name="receipt_return"),
    path("invoices/", views.InvoiceList.as_view(), name="invoice_list"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/<slug:action>/", views.invoice_action, name="invoice_action"),
    path("prices/", views.PriceList.as_view(), name="price_list"),
    path("prices/new/", views.PriceCreate.as_view(), name="price_create"),
    path("prices/<int:pk>/", views.PriceEdit.as_view(), name="price_edit"),
    path("performance/", views.supplier_performance, name="supplier_performance"),
    path("accruals/", views.accrual_report, name="accrual_report"),
    path("accruals/roll/", views.accrual_roll, name="accrual_roll"),
    path("ageing/", views.payables_ageing, name="payables_ageing"),
    path("outsourcing/", views.OutsourcingList.as_view(), name="outsourcing_list"),
    path("outsourcing/new/", views.outsourcing_create, name="outsourcing_create"),
    path("outsourcing/materials/", views.outsourcing_materials, name="outsourcing_materials"),
    path("outsourcing/invoices/", views.FeeInvoiceList.as_view(), name="fee_invoice_list"),
    path("outsourcing/<int:pk>/", views.outsourcing_detail, name="outsourcing_detail"),
    path("outsourcing/<int:pk>/<slug:action>/", views.outsourcing_action, name="outsourcing_action"),
]
