"""Supplier portal pages. Thin: writes through portal.services, reads through portal.selectors.

Three audiences (docs/portal.md):
- suppliers and subcontractors (module "portal", role 供应商): every document is read through
  portal.access.scoped / get_scoped_or_404 — another supplier's id is a 404;
- buyers (module "purchasing"): the proposal queue and invitations;
- the warehouse (modules "warehouse" or "purchasing"): receiving against a shipping notice.
A successful POST answers with a redirect (one-time submit tokens, erp.submit); a refused one
shows the reason and writes nothing.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError as InputError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import DomainError
from erp.input import errors_text, parse_date, parse_int, parse_quantity
from erp.permissions import module_required
from inventory.models import Supplier, Warehouse
from procurement.models import PurchaseOrderLine

from . import selectors, services
from .access import get_scoped_or_404, portal_view, supplier_of
from .models import Invitation, LineAnswer, ShippingNotice
from .states import LineState, NoticeStatus

POST = ("POST",)
ADD_ANSWER = "portal.add_lineanswer"
ADD_NOTICE = "portal.add_shippingnotice"
CHANGE_NOTICE = "portal.change_shippingnotice"
ADD_PROGRESS = "portal.add_progressreport"
REVIEW = "portal.review_lineanswer"
ADD_INVITATION = "portal.add_invitation"
RECEIVE = ("procurement.add_purchasereceipt", "procurement.add_outsourcingreceipt")


def _page(request, template, title, ctx, crumbs=()):
    ctx.update({"title": title, "breadcrumbs": [*crumbs, (title, None)], "supplier": supplier_of(request.user)})
    return render(request, template, ctx)


def _act(request, fn, *, success: str, redirect_to: str):
    """Run one service; input and domain errors become a message, nothing is written."""
    try:
        fn()
    except InputError as exc:
        messages.error(request, errors_text(exc))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(redirect_to)


def _text(request, name: str, limit: int) -> str:
    return (request.POST.get(name) or "").strip()[:limit]


# --- supplier: home, orders, answers ---------------------------------------------------------


@portal_view()
def home(request):
    months, total = selectors.performance(request.user)
    chart = [
        {"label": m.month.strftime("%Y-%m"), "value": m.on_time_pct or Decimal(0), "color": "#198754"} for m in months
    ]
    return _page(
        request,
        "portal/home.html",
        _("Supplier portal"),
        {"counts": selectors.home_counts(request.user), "months": months, "total": total, "chart": chart},
    )


@portal_view()
def order_list(request):
    return _page(
        request, "portal/order_list.html", _("Purchase orders"), {"orders": selectors.orders(request.user)[:200]}
    )


@portal_view()
def order_detail(request, pk):
    po = selectors.order_detail(request.user, pk)
    if po is None:
        raise Http404
    return _page(
        request,
        "portal/order_detail.html",
        _("Purchase order %(number)s") % {"number": po.number},
        {"po": po, "lines": po.line_list, "open_states": (LineState.NEW, LineState.CHANGED, LineState.CONFIRMED)},
        [(_("Purchase orders"), reverse("portal:order_list"))],
    )


def _own_line(request, pk, line_id) -> PurchaseOrderLine:
    return get_scoped_or_404(request.user, PurchaseOrderLine, pk=line_id, order_id=pk)


@portal_view(action=ADD_ANSWER, methods=POST)
def line_confirm(request, pk, line_id):
    line = _own_line(request, pk, line_id)
    return _act(
        request,
        lambda: services.line_confirm(line_id=line.pk, user=request.user),
        success=_("Line %(line)s confirmed.") % {"line": line.line_no},
        redirect_to=reverse("portal:order_detail", args=[pk]),
    )


@portal_view(action=ADD_ANSWER, methods=POST)
def line_propose(request, pk, line_id):
    line = _own_line(request, pk, line_id)

    def run():
        qty = parse_quantity(request.POST.get("qty"), label=_("Proposed quantity"), required=False, positive=True)
        due = parse_date(request.POST.get("due_date"), label=_("Proposed date"), required=False)
        services.line_propose(
            line_id=line.pk, qty=qty, due_date=due, note=_text(request, "note", 500), user=request.user
        )

    return _act(
        request,
        run,
        success=_("Proposal for line %(line)s sent to the buyer.") % {"line": line.line_no},
        redirect_to=reverse("portal:order_detail", args=[pk]),
    )


# --- supplier: shipping notices ---------------------------------------------------------------


@portal_view()
def notice_list(request):
    return _page(
        request, "portal/notice_list.html", _("Shipping notices"), {"notices": selectors.notices(request.user)[:200]}
    )


@portal_view()
def notice_detail(request, pk):
    notice = get_scoped_or_404(request.user, selectors.notices(request.user), pk=pk)
    return _page(
        request,
        "portal/notice_detail.html",
        _("Shipping notice %(number)s") % {"number": notice.number},
        {"notice": notice, "lines": list(notice.lines.select_related("item", "po_line"))},
        [(_("Shipping notices"), reverse("portal:notice_list"))],
    )


def _notice_header(request) -> dict:
    ship = parse_date(request.POST.get("ship_date"), label=_("Ship date"))
    return {
        "ship_date": ship,
        "expected_date": parse_date(request.POST.get("expected_date"), label=_("Expected arrival")),
        "carrier": _text(request, "carrier", 100),
        "tracking_no": _text(request, "tracking_no", 100),
        "note": _text(request, "note", 1000),
    }


@portal_view(action=ADD_NOTICE)
def notice_create(request, pk):
    """Announce a shipment against one of the supplier's purchase orders."""
    po = selectors.order_detail(request.user, pk)
    if po is None:
        raise Http404
    lines = [ln for ln in po.line_list if ln.state != LineState.CLOSED]
    if request.method == "POST":
        try:
            header = _notice_header(request)
            wanted = []
            for ln in lines:
                raw = (request.POST.get(f"qty_{ln.pk}") or "").strip()
                if not raw:
                    continue
                qty = parse_quantity(raw, label=_("Line %(n)s quantity") % {"n": ln.line_no}, min_value=Decimal(0))
                if qty:
                    wanted.append((ln.pk, qty, _text(request, f"batch_{ln.pk}", 60)))
            notice = services.shipping_notice_create(order_id=po.pk, lines=wanted, user=request.user, **header)
        except InputError as exc:
            messages.error(request, errors_text(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Shipping notice %(number)s sent.") % {"number": notice.number})
            return redirect("portal:notice_detail", notice.pk)
    for ln in lines:
        ln.entered_qty = request.POST.get(f"qty_{ln.pk}", "")
        ln.entered_batch = request.POST.get(f"batch_{ln.pk}", "")
    return _page(
        request,
        "portal/notice_form.html",
        _("Announce a shipment for %(number)s") % {"number": po.number},
        {
            "po": po,
            "lines": lines,
            "ship_value": request.POST.get("ship_date") or timezone.localdate().isoformat(),
            "data": request.POST,
        },
        [(_("Purchase orders"), reverse("portal:order_list")), (po.number, reverse("portal:order_detail", args=[pk]))],
    )


@portal_view(action=CHANGE_NOTICE, methods=POST)
def notice_cancel(request, pk):
    notice = get_scoped_or_404(request.user, ShippingNotice, pk=pk)
    return _act(
        request,
        lambda: services.shipping_notice_cancel(notice_id=notice.pk, user=request.user),
        success=_("Shipping notice %(number)s withdrawn.") % {"number": notice.number},
        redirect_to=reverse("portal:notice_detail", args=[pk]),
    )


# --- subcontractors ---------------------------------------------------------------------------


@portal_view()
def outsourcing_list(request):
    return _page(
        request,
        "portal/outsourcing_list.html",
        _("Outsourcing orders"),
        {"orders": selectors.outsourcing_orders(request.user)[:200]},
    )


@portal_view()
def outsourcing_detail(request, pk):
    order, rows, reports = selectors.outsourcing_detail(request.user, pk)
    if order is None:
        raise Http404
    return _page(
        request,
        "portal/outsourcing_detail.html",
        _("Outsourcing order %(number)s") % {"number": order.number},
        {"order": order, "rows": rows, "reports": reports, "today": timezone.localdate()},
        [(_("Outsourcing orders"), reverse("portal:outsourcing_list"))],
    )


@portal_view(action=ADD_PROGRESS, methods=POST)
def progress_create(request, pk):
    order = get_scoped_or_404(request.user, selectors.outsourcing_orders(request.user), pk=pk)

    def run():
        qty = parse_quantity(request.POST.get("finished_qty"), label=_("Quantity finished"), min_value=Decimal(0))
        due = parse_date(request.POST.get("expected_date"), label=_("Expected completion"))
        services.progress_report_create(
            order_id=order.pk, finished_qty=qty, expected_date=due, note=_text(request, "note", 500), user=request.user
        )

    return _act(
        request, run, success=_("Progress reported."), redirect_to=reverse("portal:outsourcing_detail", args=[pk])
    )


@portal_view(action=ADD_NOTICE, methods=POST)
def delivery_create(request, pk):
    order = get_scoped_or_404(request.user, selectors.outsourcing_orders(request.user), pk=pk)
    result = {}

    def run():
        header = _notice_header(request)
        qty = parse_quantity(request.POST.get("qty"), label=_("Quantity shipped"), positive=True)
        result["notice"] = services.delivery_notice_create(
            order_id=order.pk, qty=qty, batch_no=_text(request, "batch_no", 60), user=request.user, **header
        )

    response = _act(
        request, run, success=_("Delivery announced."), redirect_to=reverse("portal:outsourcing_detail", args=[pk])
    )
    if "notice" in result:
        return redirect("portal:notice_detail", result["notice"].pk)
    return response


# --- buyers: proposals and invitations --------------------------------------------------------


@module_required("purchasing")
def proposal_queue(request):
    return _page(
        request,
        "portal/proposal_queue.html",
        _("Supplier proposals"),
        {"proposals": list(selectors.proposal_queue()[:300])},
    )


def _pending_answer(pk) -> LineAnswer:
    return get_object_or_404(LineAnswer, pk=pk, kind="propose")


@module_required("purchasing", action=REVIEW, methods=POST)
def proposal_accept(request, pk):
    answer = _pending_answer(pk)
    return _act(
        request,
        lambda: services.proposal_accept(answer_id=answer.pk, user=request.user),
        success=_("Proposal accepted: %(doc)s line %(line)s changed.")
        % {"doc": answer.po_line.order.number, "line": answer.po_line.line_no},
        redirect_to=reverse("portal:proposal_queue"),
    )


@module_required("purchasing", action=REVIEW, methods=POST)
def proposal_reject(request, pk):
    answer = _pending_answer(pk)
    return _act(
        request,
        lambda: services.proposal_reject(answer_id=answer.pk, reason=_text(request, "reason", 500), user=request.user),
        success=_("Proposal rejected."),
        redirect_to=reverse("portal:proposal_queue"),
    )


@module_required("purchasing", action=ADD_INVITATION)
def invitations(request):
    accept_url = request.build_absolute_uri(reverse("portal:invitation_accept", args=["TOKEN"]))
    if request.method == "POST":
        result = {}

        def run():
            sid = parse_int(request.POST.get("supplier"), label=_("Supplier"), min_value=1)
            days = parse_int(request.POST.get("days") or "7", label=_("Valid for (days)"), min_value=1, max_value=30)
            email = _text(request, "email", 254)
            if "@" not in email:
                raise DomainError(_("E-mail: enter an e-mail address."))
            result["inv"] = services.invitation_create(
                supplier_id=sid, email=email, days=days, user=request.user, accept_url=accept_url
            )

        response = _act(request, run, success=_("Invitation created."), redirect_to=reverse("portal:invitations"))
        return response
    rows = list(Invitation.objects.select_related("supplier", "user").order_by("-created_at")[:100])
    for inv in rows:
        inv.link = accept_url.replace("TOKEN", inv.token)
    return _page(
        request,
        "portal/invitations.html",
        _("Supplier portal invitations"),
        {"invitations": rows, "suppliers": Supplier.objects.filter(is_active=True).order_by("code")},
    )


def invitation_accept(request, token):
    """Public page of an invitation link: choose a user name and password (no login yet)."""
    inv = Invitation.objects.select_related("supplier").filter(token=token).first()
    if inv is None or not inv.is_open:
        return render(request, "portal/invitation_accept.html", {"invalid": True, "title": _("Invitation")}, status=404)
    if request.method == "POST":
        password = request.POST.get("password") or ""
        if password != (request.POST.get("password2") or ""):
            messages.error(request, _("The two passwords differ."))
        else:
            try:
                services.invitation_accept(
                    token=token,
                    username=_text(request, "username", 150),
                    password=password,
                    full_name=_text(request, "full_name", 150),
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Your account is ready: log in."))
                return redirect("login")
    return render(request, "portal/invitation_accept.html", {"inv": inv, "title": _("Invitation")})


# --- warehouse: receive against a notice -------------------------------------------------------


@module_required(("warehouse", "purchasing"))
def incoming_notices(request):
    return _page(
        request,
        "portal/incoming_notices.html",
        _("Incoming shipping notices"),
        {"notices": list(selectors.incoming_notices()[:300])},
    )


@module_required(("warehouse", "purchasing"), action=RECEIVE)
def notice_receive(request, pk):
    """One step: the receipt prefilled with the notified quantities; a counted quantity that
    differs from the notice is highlighted; posting goes through procurement's receipt services."""
    notice = get_object_or_404(ShippingNotice.objects.select_related("supplier", "order", "outsourcing_order"), pk=pk)
    lines = list(notice.lines.select_related("item", "po_line"))
    if request.method == "POST":
        try:
            qtys = {
                ln.pk: parse_quantity(
                    request.POST.get(f"qty_{ln.pk}"),
                    label=_("Line %(n)s received quantity") % {"n": ln.line_no},
                    min_value=Decimal(0),
                )
                for ln in lines
            }
            receipt_date = parse_date(request.POST.get("receipt_date"), label=_("Receipt date"))
            wid = parse_int(request.POST.get("warehouse") or "", label=_("Warehouse"), required=False, min_value=1)
            if wid is not None:
                get_object_or_404(Warehouse, pk=wid)
            services.shipping_notice_receive(
                notice_id=notice.pk, receipt_date=receipt_date, qtys=qtys, warehouse_id=wid, user=request.user
            )
        except InputError as exc:
            messages.error(request, errors_text(exc))
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            notice.refresh_from_db()
            messages.success(request, _("Shipping notice %(number)s received.") % {"number": notice.number})
            if notice.receipt_id:
                return redirect("procurement:receipt_detail", notice.receipt_id)
            return redirect("procurement:outsourcing_detail", notice.outsourcing_order_id)
    for ln in lines:
        raw = request.POST.get(f"qty_{ln.pk}") if request.method == "POST" else None
        ln.entered = raw if raw is not None else ln.qty.normalize()
        ln.differs = raw is not None and raw.strip() not in (str(ln.qty.normalize()), str(ln.qty))
        ln.open_on_order = ln.po_line.open_qty if ln.po_line_id else None
    order = notice.order or notice.outsourcing_order
    default_wh = getattr(order, "warehouse_id", None)
    return _page(
        request,
        "portal/notice_receive.html",
        _("Receive shipping notice %(number)s") % {"number": notice.number},
        {
            "notice": notice,
            "lines": lines,
            "today": timezone.localdate(),
            "warehouses": Warehouse.objects.filter(is_active=True).exclude(kind="subcontractor").order_by("code"),
            "default_wh": default_wh,
            "can_receive": notice.status == NoticeStatus.SUBMITTED,
        },
        [(_("Incoming shipping notices"), reverse("portal:incoming_notices"))],
    )
