from django.urls import path

from . import views

app_name = "bom"

urlpatterns = [
    path("", views.BomList.as_view(), name="bom_list"),
    path("new/", views.bom_create, name="bom_create"),
    path("<int:pk>/", views.bom_detail, name="bom_detail"),
    path("<int:pk>/edit/", views.bom_edit, name="bom_edit"),
    path("<int:pk>/lines/add/", views.bom_line_add, name="bom_line_add"),
    path("<int:pk>/lines/<int:line_pk>/delete/", views.bom_line_delete, name="bom_line_delete"),
    path("<int:pk>/approve/", views.bom_approve, name="bom_approve"),
    path("<int:pk>/disable/", views.bom_disable, name="bom_disable"),
    path("<int:pk>/new-version/", views.bom_new_version, name="bom_new_version"),
    path("explosion/", views.explosion, name="explosion"),
    path("where-used/", views.where_used, name="where_used"),
    path("compare/", views.compare, name="compare"),
    path("ecn/", views.EcnList.as_view(), name="ecn_list"),
    path("ecn/new/", views.ecn_create, name="ecn_create"),
    path("ecn/<int:pk>/", views.ecn_detail, name="ecn_detail"),
    path("ecn/<int:pk>/lines/add/", views.ecn_line_add, name="ecn_line_add"),
    path("ecn/<int:pk>/lines/<int:line_pk>/delete/", views.ecn_line_delete, name="ecn_line_delete"),
    path("ecn/<int:pk>/impact/", views.ecn_impact, name="ecn_impact"),
    path("ecn/<int:pk>/approve/", views.ecn_approve, name="ecn_approve"),
    path("ecn/<int:pk>/cancel/", views.ecn_cancel, name="ecn_cancel"),
]
