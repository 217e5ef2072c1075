"""Plain-text ingest (first cut: paragraphs on blank lines; the repairing reader replaces it)."""
from __future__ import annotations

from typing import Any

from ..document import Block, Document


def read_text(doc: Document, data: bytes, cfg: dict[str, Any]) -> None:
    text = data.decode("utf-8", errors="replace")
    pages = text.split("\f")
    for pno, page in enumerate(pages, 1):
        for para in page.split("\n\n"):
            para = "".join(line.strip() for line in para.splitlines())
            if para:
                doc.blocks.append(Block(page=pno, role="body", text=para))
    doc.pages = len(pages)
