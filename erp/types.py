"""Kernel type aliases for annotations (issue #11: services and engines are type-checked).

`User` is the configured user model (Django's default `auth.User`, AUTH_USER_MODEL is not set).
Services take `user: User` when an actor is required and `user: User | None` when the call may
come from a system task (MRP run, import, period job) with no person behind it.
"""

from __future__ import annotations

from django.contrib.auth.models import User

__all__ = ["User"]
