"""Structured logs (issue #20): every log line carries the request id and the user.

`RequestIdMiddleware` takes the proxy's `X-Request-ID` (when it is a sane token) or makes one,
keeps it with the user name in context variables for the rest of the request, and returns it in
the response header, so that a user's error report, the proxy log and our log lines meet.
`RequestContextFilter` copies both onto every log record; `LOG_FORMAT=json` (the production
default) writes one JSON object per line through python-json-logger.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
user_var: ContextVar[str] = ContextVar("user", default="-")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("erp.request")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user = user_var.get()
        return True


class RequestIdMiddleware:
    """Placed first: the id exists before anything else logs; after the view, one access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token_id = request_id_var.set(rid)
        token_user = user_var.set("-")
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            # only a user the request already loaded: never a database query of our own (the
            # database may be the reason this request failed)
            user = getattr(request, "_cached_user", None)
            if user is not None and user.is_authenticated:
                user_var.set(user.get_username())
            response["X-Request-ID"] = rid
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token_id)
            user_var.reset(token_user)
