"""The one object that flows through every stage.

Ingest builds a `Document`: its `blocks` in reading order and one clean `text` that the
NLP stages read. Every character of `text` remembers where it came from (page and box),
so a span found by any later stage can say which page and which box it sits on.
Stages never rebuild the text; they only add rows to `doc.tables`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterator

Box = tuple[float, float, float, float]

# Roles a block may have (the `blocks.role` column).
ROLES = (
    "title", "author", "affiliation", "abstract", "keywords", "heading", "body",
    "footnote", "header", "footer", "page_number", "caption", "table",
)
# Roles whose text is not part of `Document.text`: furniture repeated on every page.
FURNITURE = ("header", "footer", "page_number")
STATUSES = ("ok", "empty", "needs_ocr", "garbled", "encrypted", "corrupt", "unsupported", "error")


@dataclass
class Block:
    """A run of text with one role: a paragraph, a heading, a footnote, a running header."""

    page: int                      # 1-based page number (text files: form-feed pages, else 1)
    role: str
    text: str
    lang: str = "zh"               # zh, en or mixed
    bbox: Box | None = None        # PDF points, origin bottom-left (pdfminer's convention)
    font_size: float | None = None
    marker: str | None = None      # footnotes: their marker ("1"); body: None
    block_id: int = -1             # set by Document.finalize, in reading order
    start: int = -1                # offsets in Document.text; -1 for furniture
    end: int = -1
    char_boxes: list[Box | None] | None = None   # one box per character of `text` (PDF only)
    char_pages: list[int] | None = None  # page per character, when a paragraph runs over a page break


@dataclass
class Marker:
    """A footnote marker found in the body (`1100多篇1`), kept out of the text but remembered.

    Ingest records where it stood inside its block (`block`, `pos`: the character of the
    block's text just before which it stood); `finalize` turns that into `offset` in
    Document.text and `footnote_block` into the block_id of the footnote it points to.
    """

    label: str                     # "1"
    page: int
    block: "Block | None" = None   # the block it was found in
    pos: int = 0                   # position in that block's text
    footnote: "Block | None" = None  # the footnote block it points to, when found
    offset: int = -1               # set by finalize
    footnote_block: int | None = None  # set by finalize


@dataclass
class Document:
    """A report after ingest: blocks in reading order plus one clean text with a map back."""

    source: str                    # path as given by the user
    kind: str                      # "pdf" or "txt"
    content_hash: str = ""         # sha256 of the input bytes
    status: str = "ok"
    message: str = ""
    pages: int = 0
    blocks: list[Block] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)   # title, date (ISO), pdf metadata ...
    text: str = ""
    char_page: list[int] = field(default_factory=list)  # page of each character of `text`
    char_block: list[int] = field(default_factory=list)  # block_id of each character (-1 = separator)
    tables: dict[str, list[Any]] = field(default_factory=dict)  # stage outputs: table -> rows

    @property
    def doc_id(self) -> str:
        """Stable id from the content hash, so a renamed file keeps its rows."""
        return self.content_hash[:16]

    @staticmethod
    def hash_bytes(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    # -- building -----------------------------------------------------------------------
    def finalize(self) -> "Document":
        """Number blocks and join the non-furniture ones into `text` with the char map.

        Body blocks come first in reading order, footnotes after all of them, so a
        sentence that a footnote interrupted reads on unbroken. Blocks are separated by
        one newline; nothing else is inserted.
        """
        for i, b in enumerate(self.blocks):
            b.block_id = i
        main = [b for b in self.blocks if b.role not in FURNITURE and b.role != "footnote"]
        notes = [b for b in self.blocks if b.role == "footnote"]
        parts: list[str] = []
        page: list[int] = []
        owner: list[int] = []
        pos = 0
        for b in main + notes:
            if not b.text:
                continue
            if parts:
                parts.append("\n")
                page.append(b.page)
                owner.append(-1)
                pos += 1
            b.start, b.end = pos, pos + len(b.text)
            parts.append(b.text)
            if b.char_pages is not None and len(b.char_pages) == len(b.text):
                page.extend(b.char_pages)
            else:
                page.extend([b.page] * len(b.text))
            owner.extend([b.block_id] * len(b.text))
            pos = b.end
        for m in self.markers:
            if m.block is not None and m.block.start >= 0:
                m.offset = m.block.start + m.pos
            if m.footnote is not None:
                m.footnote_block = m.footnote.block_id
        self.text = "".join(parts)
        self.char_page = page
        self.char_block = owner
        if not self.pages:
            self.pages = max((b.page for b in self.blocks), default=0)
        return self

    # -- looking up -----------------------------------------------------------------------
    def page_at(self, offset: int) -> int:
        """Page of the character at `offset` of `text` (clamped), 0 when the text is empty."""
        if not self.char_page:
            return 0
        return self.char_page[min(max(offset, 0), len(self.char_page) - 1)]

    def block_at(self, offset: int) -> Block | None:
        if not self.char_block:
            return None
        i = self.char_block[min(max(offset, 0), len(self.char_block) - 1)]
        return self.blocks[i] if i >= 0 else None

    def box_of(self, start: int, end: int) -> Box | None:
        """Union of the character boxes of text[start:end] (PDF only), else None."""
        boxes: list[Box] = []
        for off in range(max(start, 0), min(end, len(self.char_block))):
            bid = self.char_block[off]
            if bid < 0:
                continue
            b = self.blocks[bid]
            if b.char_boxes is None:
                continue
            k = off - b.start
            if 0 <= k < len(b.char_boxes) and b.char_boxes[k] is not None:
                boxes.append(b.char_boxes[k])
        if not boxes:
            return None
        return (min(x[0] for x in boxes), min(x[1] for x in boxes),
                max(x[2] for x in boxes), max(x[3] for x in boxes))

    def role_at(self, offset: int) -> str | None:
        b = self.block_at(offset)
        return b.role if b else None

    def iter_blocks(self, roles: tuple[str, ...] | None = None) -> Iterator[Block]:
        for b in self.blocks:
            if roles is None or b.role in roles:
                yield b

    def add_rows(self, table: str, rows: list[Any]) -> None:
        self.tables.setdefault(table, []).extend(rows)
