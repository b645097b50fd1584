"""Files (and URLs) → blocks of text plus metadata. One reader per format; all input checks here."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from ingest.document import Block, sha256_bytes
from retrieval.base.errors import (
    BinaryDocument,
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    UndecodableDocument,
    UnsupportedDocument,
)
from retrieval.index.records import Metadata


@dataclass(frozen=True)
class FileType:
    """A kind of file cited reads: its format name, suffixes, the content types a server may send
    it with, and the reader that turns its text (or, for PDF, its bytes) into blocks."""

    format: str
    suffixes: tuple[str, ...]
    content_types: tuple[str, ...]
    reader: str  # "module:function", imported when a file of this type is read
    binary: bool = False  # the reader takes the bytes, not decoded text

    def read(self, data: bytes, source: str):
        module, function = self.reader.split(":")
        read = getattr(importlib.import_module(module), function)
        return read(data if self.binary else decode_text(data, source), source)


# Every file type, in one place: the command line, the web upload, URL ingest and the messages read it.
FILE_TYPES = (
    FileType("txt", (".txt", ".text"), ("text/plain",), "ingest.clean:clean_capture"),
    FileType("md", (".md", ".markdown"), ("text/markdown", "text/x-markdown"), "ingest.markdown:read_markdown"),
    FileType("html", (".html", ".htm"), ("text/html", "application/xhtml+xml"), "ingest.html:read_html"),
    FileType("pdf", (".pdf",), ("application/pdf",), "ingest.pdf:read_pdf", binary=True),
)
BY_SUFFIX = {suffix: t for t in FILE_TYPES for suffix in t.suffixes}
SUPPORTED = frozenset(BY_SUFFIX)
KINDS_SHOWN = ", ".join(t.suffixes[0] for t in FILE_TYPES[:-1]) + f" or {FILE_TYPES[-1].suffixes[0]}"  # .txt, … or .pdf


def unsupported(suffix: str) -> str:
    """What the message says of a file type cited does not read."""
    return f"unsupported file type '{suffix or 'none'}'; give a {KINDS_SHOWN} file."


def type_of_content(content_type: str, data: bytes) -> FileType:
    """The file type of a fetched page: PDF by its magic bytes, else by the server's content type
    (HTML when it names none cited knows)."""
    if data.startswith(b"%PDF"):
        return BY_SUFFIX[".pdf"]
    return next((t for t in FILE_TYPES if content_type in t.content_types), BY_SUFFIX[".html"])


@dataclass(frozen=True)
class Reading:
    blocks: list[Block]
    meta: Metadata
    format: str
    sha256: str


def read_file(path: Path, max_bytes: int) -> Reading:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in BY_SUFFIX:
        raise UnsupportedDocument(source, unsupported(suffix))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentTooLarge(source, size, max_bytes)
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(source, f"cannot read it ({e.strerror or e}).") from None
    return read_bytes(data, source, BY_SUFFIX[suffix])


def read_bytes(data: bytes, source: str, file_type: FileType) -> Reading:
    if not data.strip():
        raise EmptyDocument(source)
    blocks, meta = file_type.read(data, source)
    return Reading(blocks, meta, file_type.format, sha256_bytes(data))


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
