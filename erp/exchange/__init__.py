"""Data exchange engine: CSV folders, .zip of CSVs and .xlsx workbooks in, CSV folders out.

Apps register their files (see ../../docs/exchange.md):

    from erp.exchange import ExchangeFile, register
    register(ExchangeFile("items.csv", order=20, columns=[...], importer=import_items, exporter=export_items))

An importer gets all rows of its file and an ImportContext; it validates with the ctx
parsers (which record errors as "file line N: column 'x' ..."), then writes in bulk. The
whole import is one transaction: any error rolls everything back.

Reading is safe (issue #10): sizes checked before reading (setting IMPORT_MAX_BYTES), strict
UTF-8/GB18030 decoding, binary refused, streaming CSV and read-only xlsx parsing; every problem
is an ImportFailed naming the file. Web previews are kept by `erp.exchange.uploads`.
"""

from .engine import (
    ExchangeFile,
    ImportContext,
    ImportFailed,
    ImportReport,
    Row,
    check_size,
    export_folder,
    import_files,
    max_bytes,
    read_folder,
    read_upload,
    register,
    registry,
    upload_hint,
)

__all__ = [
    "ExchangeFile",
    "ImportContext",
    "ImportFailed",
    "ImportReport",
    "Row",
    "check_size",
    "export_folder",
    "import_files",
    "max_bytes",
    "read_folder",
    "read_upload",
    "register",
    "registry",
    "upload_hint",
]
