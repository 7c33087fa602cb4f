"""Import previews kept on the server between "check" and "import now" (the web import page).

An uploaded file is stored under MEDIA_ROOT/imports/<token> (never sent back to the browser);
the page binds the token to the session that uploaded it. A preview older than
IMPORT_PREVIEW_HOURS is refused and deleted by the periodic task `erp.tasks.delete_expired_import_uploads`.
"""

from __future__ import annotations

import datetime
import re
import shutil
import time
import uuid
from pathlib import Path

from django.conf import settings

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_age() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "IMPORT_PREVIEW_HOURS", 1))


def keep(source, *, token: str | None = None) -> str:
    """Store an upload (bytes, or a Django UploadedFile / binary file, copied in chunks); its token."""
    token = token or uuid.uuid4().hex
    if not _TOKEN.match(token):
        raise ValueError("token must be 32 hex digits")
    with open(upload_dir() / token, "wb") as out:
        if isinstance(source, bytes | bytearray):
            out.write(source)
        elif hasattr(source, "chunks"):
            for chunk in source.chunks():
                out.write(chunk)
        else:
            source.seek(0)
            shutil.copyfileobj(source, out)
    return token


def path_for(token: str) -> Path | None:
    """The stored preview of `token`, or None when unknown or expired."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    path = upload_dir() / token
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return None
    if age > max_age().total_seconds():
        return None
    return path


def claim(token: str) -> Path | None:
    """Take the preview of `token` for its import: of two simultaneous confirmations only one gets
    the file (an atomic rename); the caller deletes the returned path when done."""
    path = path_for(token)
    if path is None:
        return None
    claimed = path.with_name(f"{token}.importing")
    try:
        path.rename(claimed)
    except OSError:
        return None
    return claimed


def drop(token: str) -> None:
    if isinstance(token, str) and _TOKEN.match(token):
        (upload_dir() / token).unlink(missing_ok=True)
        (upload_dir() / f"{token}.importing").unlink(missing_ok=True)


def delete_expired(*, now: float | None = None) -> int:
    """Delete previews older than the maximum age; the number deleted."""
    limit = (time.time() if now is None else now) - max_age().total_seconds()
    deleted = 0
    for path in upload_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                deleted += 1
        except OSError:  # deleted meanwhile by a confirm or another worker
            continue
    return deleted
