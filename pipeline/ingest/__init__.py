"""Ingest: any input file becomes a `Document`, or a Document whose status says why not.

The dispatcher never raises: whatever goes wrong inside a reader becomes status `error`
with a one-line message, so one bad file cannot take a batch down.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..document import Document

SUFFIXES = (".pdf", ".txt")


def one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {msg}"[:300]


def load(source: str | Path, config: dict[str, Any] | None = None) -> Document:
    """Read one input file into a finalized Document (status `ok` or the reason it is not)."""
    config = config or {}
    source = str(source)
    path = Path(source)
    suffix = path.suffix.lower()
    kind = "pdf" if suffix == ".pdf" else "txt"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Document(source=source, kind=kind, content_hash=Document.hash_bytes(source.encode()),
                        status="error", message=f"cannot read file: {one_line(exc)}")
    doc = Document(source=source, kind=kind, content_hash=Document.hash_bytes(data))
    if not data.strip():
        doc.status, doc.message = "empty", "the file is empty"
        return doc.finalize()
    try:
        if suffix == ".pdf":
            from .pdf import read_pdf
            read_pdf(doc, data, config.get("ingest", {}))
        elif suffix == ".txt":
            from .text import read_text
            read_text(doc, data, config.get("ingest", {}))
        else:
            doc.status = "unsupported"
            doc.message = f"unsupported file type {suffix or '(none)'}: only .pdf and .txt are read"
    except Exception as exc:  # a reader bug must not end the batch
        doc.blocks, doc.tables = [], {}
        doc.status, doc.message = "error", one_line(exc)
    doc.finalize()
    if doc.status == "ok" and not doc.text.strip():
        doc.status, doc.message = "empty", "no text found"
    return doc
