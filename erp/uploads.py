"""Uploads larger than the import limit are refused while they arrive (issue #10): this handler
runs before Django's own and stops storing a file as soon as it passes `IMPORT_MAX_BYTES`, so a
50 MB upload never lands on disk or in memory. The view finds the refused file's name and size in
`request.upload_refused` and shows the limit (`erp.exchange.check_size`)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


def refused_upload(request) -> tuple[str, int] | None:
    """(file name, bytes received) of an upload stopped for its size, else None."""
    return getattr(request, "upload_refused", None)


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = int(getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024))
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        # The whole body is already known to be too large: say so without storing anything.
        if content_length and content_length > self.limit + 1024 * 1024 and self.request is not None:
            self.request.upload_refused = ("", int(content_length))
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.request is not None and getattr(self.request, "upload_refused", None):
            self.request.upload_refused = (self.file_name, self.request.upload_refused[1])
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            if self.request is not None:
                self.request.upload_refused = (self.file_name, self.received)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None
