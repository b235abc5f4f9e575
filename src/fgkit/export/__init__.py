"""Exports: anonymised quotes (CSV, XLSX, DOCX) and REFI-QDA projects (.qdpx) out and in."""

from .quotes import QuotesResult, export_quotes, select_quotes

__all__ = ["QuotesResult", "export_quotes", "select_quotes"]
