"""Errors that escape a view become a clear page or message, never a 500:

- `DomainError`: a message on the page the user came from;
- a missing object (`ObjectDoesNotExist`, e.g. `Model.objects.get` in a service) or an id that is
  not a number in the URL's query: the 404 page;
- a database constraint (`IntegrityError`) or a value the column can't hold (`DataError`): a
  message in the user's language (named constraints translated through
  `erp.errors.CONSTRAINT_MESSAGES`), nothing written (the transaction was rolled back).
"""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, IntegrityError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from .errors import DomainError, constraint_message


def _back(request):
    back = request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = redirect(back)
    if getattr(request, "htmx", False):
        response["HX-Redirect"] = back
    return response


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):
            messages.error(request, str(exception))
            return _back(request)
        if isinstance(exception, ObjectDoesNotExist):
            return page_not_found(request, exception)
        if isinstance(exception, IntegrityError):
            cause = getattr(exception, "__cause__", None)
            name = getattr(getattr(cause, "diag", None), "constraint_name", None) or ""
            messages.error(request, constraint_message(name))
            return _back(request)
        if isinstance(exception, DataError):
            messages.error(request, _("A value is too large or not valid for its field; nothing was saved."))
            return _back(request)
        return None
