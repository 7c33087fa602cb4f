from django.urls import path

from . import views, views_analysis, views_promise

app_name = "mrp"
urlpatterns = [
    path("runs/", views.RunList.as_view(), name="run_list"),
    path("promise/", views_promise.promise, name="promise"),
    path("netchange/", views_promise.netchange, name="netchange"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/convert/", views.planned_convert, name="planned_convert"),
    path("runs/<int:pk>/messages/", views.MessageList.as_view(), name="messages"),
    path("runs/<int:pk>/supply/", views.supply_tree, name="supply_tree"),
    path("runs/<int:pk>/items/<int:item_id>/record/", views.item_record, name="item_record"),
    path("planned/<int:pk>/", views.planned_order_detail, name="planned_order"),
    path("planned/<int:pk>/<str:action>/", views.planned_order_action, name="planned_order_action"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("analysis/kitting/", views_analysis.kitting, name="kitting"),
    path("analysis/kitting/record/", views_analysis.kitting_record, name="kitting_record"),
    path("analysis/kitting/runs/<int:pk>/", views_analysis.kitting_run, name="kitting_run"),
    path("analysis/shortage/", views_analysis.shortage, name="shortage"),
    path("analysis/shortage/requisition/", views_analysis.shortage_requisition, name="shortage_requisition"),
]
