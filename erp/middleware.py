from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import DomainError


class DomainErrorMiddleware:
    """A DomainError that escapes a view becomes a message on the page the user came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        messages.error(request, str(exception))
        back = request.META.get("HTTP_REFERER") or "/"
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        response = redirect(back)
        if getattr(request, "htmx", False):
            response["HX-Redirect"] = back
        return response
