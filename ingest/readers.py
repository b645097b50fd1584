"""Files (and URLs) → blocks of text plus metadata. One reader per format; all input checks here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cited.errors import (
    BinaryDocument,
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    UndecodableDocument,
    UnsupportedDocument,
)
from ingest.document import Block, sha256_bytes
from retrieval.records import Metadata

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


@dataclass(frozen=True)
class Reading:
    blocks: list[Block]
    meta: Metadata
    format: str
    sha256: str


def read_file(path: Path, max_bytes: int) -> Reading:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnsupportedDocument(source, f"unsupported file type '{suffix or 'none'}'; give .txt, .md, .html or .pdf.")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentTooLarge(source, size, max_bytes)
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(source, f"cannot read it ({e.strerror or e}).") from None
    return read_bytes(data, source, suffix)


def read_bytes(data: bytes, source: str, suffix: str) -> Reading:
    if not data.strip():
        raise EmptyDocument(source)
    digest = sha256_bytes(data)
    if suffix in PDF_SUFFIXES:
        from ingest.pdf import read_pdf

        blocks, meta = read_pdf(data, source)
        return Reading(blocks, meta, "pdf", digest)
    text = decode_text(data, source)
    if suffix in HTML_SUFFIXES:
        from ingest.html import read_html

        blocks, meta = read_html(text, source)
        return Reading(blocks, meta, "html", digest)
    if suffix in MARKDOWN_SUFFIXES:
        from ingest.markdown import read_markdown

        blocks, meta = read_markdown(text, source)
        return Reading(blocks, meta, "md", digest)
    from ingest.clean import clean_capture

    blocks, meta = clean_capture(text, source)
    return Reading(blocks, meta, "txt", digest)


def decode_text(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise BinaryDocument(source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UndecodableDocument(source, f"bad byte at offset {e.start}") from None
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise BinaryDocument(source)
    if not text.strip():
        raise EmptyDocument(source)
    return text
