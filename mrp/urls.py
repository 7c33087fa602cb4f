from django.urls import path

from . import views

app_name = "mrp"
urlpatterns = [
    path("runs/", views.RunList.as_view(), name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.RunDetail.as_view(), name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
]
