from django.urls import path

from . import system_views

urlpatterns = [
    path("company/", system_views.CompanySettingsPage.as_view(), name="company_settings"),
    path("users/", system_views.users, name="system_users"),
]
