"""Data exchange engine: CSV folders, .zip of CSVs and .xlsx workbooks in, CSV folders out.

Apps register their files (see ../../docs/exchange.md):

    from erp.exchange import ExchangeFile, register
    register(ExchangeFile("items.csv", order=20, columns=[...], importer=import_items, exporter=export_items))

An importer gets all rows of its file and an ImportContext; it validates with the ctx
parsers (which record errors as "file line N: column 'x' ..."), then writes in bulk. The
whole import is one transaction: any error rolls everything back.
"""

from .engine import (
    ExchangeFile,
    ImportContext,
    ImportFailed,
    ImportReport,
    Row,
    export_folder,
    import_files,
    read_folder,
    read_upload,
    register,
    registry,
)

__all__ = [
    "ExchangeFile",
    "ImportContext",
    "ImportFailed",
    "ImportReport",
    "Row",
    "export_folder",
    "import_files",
    "read_folder",
    "read_upload",
    "register",
    "registry",
]
