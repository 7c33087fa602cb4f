from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    # suppliers and subcontractors (module portal; every object scoped to the user's supplier)
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/lines/<int:line_id>/confirm/", views.line_confirm, name="line_confirm"),
    path("orders/<int:pk>/lines/<int:line_id>/propose/", views.line_propose, name="line_propose"),
    path("orders/<int:pk>/ship/", views.notice_create, name="notice_create"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/cancel/", views.notice_cancel, name="notice_cancel"),
    path("outsourcing/", views.outsourcing_list, name="outsourcing_list"),
    path("outsourcing/<int:pk>/", views.outsourcing_detail, name="outsourcing_detail"),
    path("outsourcing/<int:pk>/progress/", views.progress_create, name="progress_create"),
    path("outsourcing/<int:pk>/deliver/", views.delivery_create, name="delivery_create"),
    # buyers
    path("proposals/", views.proposal_queue, name="proposal_queue"),
    path("proposals/<int:pk>/accept/", views.proposal_accept, name="proposal_accept"),
    path("proposals/<int:pk>/reject/", views.proposal_reject, name="proposal_reject"),
    path("invitations/", views.invitations, name="invitations"),
    # the warehouse
    path("incoming/", views.incoming_notices, name="incoming_notices"),
    path("incoming/<int:pk>/receive/", views.notice_receive, name="notice_receive"),
    # public: the invitation link (erp.access_table skips "portal/invitation/")
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
