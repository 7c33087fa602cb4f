"""The global search page (`/search/?q=`) and its drop-down under the top-bar box (htmx)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from .permissions import login_only
from .search import MIN_LENGTH, normalize, search


@login_only
def search_page(request):
    """Every signed-in user may search; each kind is searched only when the user may open its
    pages, and rows only as far as the user may see them (erp/search.py)."""
    q = normalize(request.GET.get("q", ""))
    groups = search(request.user, q, limit=8 if request.htmx else 50)
    context = {
        "title": _("Search"),
        "q": q,
        "groups": groups,
        "too_short": 0 < len(q) < MIN_LENGTH,
        "min_length": MIN_LENGTH,
        "breadcrumbs": [(_("Search"), None)],
    }
    if request.htmx:
        return render(request, "erp/_search_results.html", context)
    return render(request, "erp/search.html", context)
