"""Exports: anonymised quotes (CSV, XLSX, DOCX) and REFI-QDA projects (.qdpx) out and in."""

from .quotes import QuotesResult, export_quotes, select_quotes
from .refi_export import RefiResult, build_qdpx, export_refi

__all__ = ["QuotesResult", "export_quotes", "select_quotes", "RefiResult", "build_qdpx", "export_refi"]
