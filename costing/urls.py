from django.urls import path

from . import views

app_name = "costing"
urlpatterns = [
    path("periods/", views.PeriodList.as_view(), name="period_list"),
    path("periods/<int:pk>/", views.period_detail, name="period_detail"),
    path("periods/<int:pk>/run/", views.run_start, name="run_start"),
    path("periods/<int:pk>/close/", views.period_close, name="period_close"),
    path("periods/<int:pk>/close/start/", views.period_close_start, name="period_close_start"),
    path("periods/<int:pk>/close/cancel/", views.period_close_cancel, name="period_close_cancel"),
    path("periods/<int:pk>/reopen/", views.period_reopen, name="period_reopen"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/items/", views.ItemCostList.as_view(), name="item_costs"),
    path("entries/", views.CostEntryList.as_view(), name="entries"),
    path("reports/products/", views.product_summary, name="product_summary"),
    path("reports/variance/", views.variance, name="variance"),
    path("reports/reconciliation/", views.reconciliation, name="reconciliation"),
    path("reports/accruals/", views.accrual_balance, name="accrual_balance"),
    path("pools/", views.PoolList.as_view(), name="pool_list"),
    path("pools/save/", views.pool_save, name="pool_save"),
    path("pools/centres/", views.centre_add, name="centre_add"),
    path("hours/", views.hours_report, name="hours_report"),
    path("hours/entry/", views.hours_entry, name="hours_entry"),
]
