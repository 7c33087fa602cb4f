from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import search_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("search/", search_views.search_page, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("system/", include("erp.system_urls")),
    path("admin/", admin.site.urls),
]

# Each domain app mounts its own urls.py (namespace = app label) when it has one.
for app_label in ("inventory", "bom", "mrp", "production", "procurement", "crm", "costing", "ledger", "portal"):
    try:
        urlpatterns.append(path(f"{app_label}/", include(f"{app_label}.urls")))
    except ModuleNotFoundError as exc:
        if exc.name != f"{app_label}.urls":
            raise
