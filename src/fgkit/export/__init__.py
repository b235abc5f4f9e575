"""Exports: anonymised quotes (CSV, XLSX, DOCX) and REFI-QDA projects (.qdpx) out and in."""

from .qdpx_reader import RefiProject, read_qdpx
from .quotes import QuotesResult, export_quotes, select_quotes
from .refi_export import RefiResult, build_qdpx, export_refi
from .refi_import import ImportResult, import_refi

__all__ = [
    "QuotesResult", "export_quotes", "select_quotes",
    "RefiResult", "build_qdpx", "export_refi",
    "RefiProject", "read_qdpx", "ImportResult", "import_refi",
]
