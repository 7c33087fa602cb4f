from django.urls import path

from . import views, views_entry, views_print

app_name = "ledger"

urlpatterns = [
    path("", views.voucher_list, name="vouchers"),
    path("vouchers/new/", views_entry.VoucherCreate.as_view(), name="voucher_new"),
    path("vouchers/<int:pk>/", views.voucher_detail, name="voucher"),
    path("vouchers/<int:pk>/edit/", views_entry.VoucherEdit.as_view(), name="voucher_edit"),
    path("vouchers/<int:pk>/print/", views_print.voucher_print, name="voucher_print"),
    path("vouchers/<int:pk>/pdf/", views_print.voucher_pdf, name="voucher_pdf"),
    path("vouchers/<int:pk>/audit/", views.voucher_audit, name="voucher_audit"),
    path("vouchers/<int:pk>/unaudit/", views.voucher_unaudit, name="voucher_unaudit"),
    path("vouchers/<int:pk>/post/", views.voucher_post, name="voucher_post"),
    path("vouchers/<int:pk>/reverse/", views.voucher_reverse, name="voucher_reverse"),
    path("vouchers/<int:pk>/copy/", views.voucher_copy, name="voucher_copy"),
    path("vouchers/<int:pk>/delete/", views.voucher_delete, name="voucher_delete"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/lookup/", views.account_lookup, name="account_lookup"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("templates/", views.posting_rules, name="posting_rules"),
    path("trial-balance/", views.trial_balance, name="trial_balance"),
    path("general-ledger/", views.general_ledger, name="general_ledger"),
    path("detail-ledger/", views.detail_ledger, name="detail_ledger"),
    path("statements/", views.statements, name="statements"),
    path("balance-sheet/", views.balance_sheet, name="balance_sheet"),
    path("income-statement/", views.income_statement, name="income_statement"),
    path("vat/", views.vat, name="vat"),
    path("reconciliation/", views.reconcile_view, name="reconcile"),
    path("period-end/", views.period_end_view, name="period_end"),
]
