"""The one registry of file types: every door (command line, upload, URL) reads it, and the
messages name what it holds."""

from __future__ import annotations

import pytest

from ingest.readers import BY_SUFFIX, FILE_TYPES, KINDS_SHOWN, SUPPORTED, type_of_content, unsupported
from ingest.sources import Upload, read_upload
from retrieval.base.errors import UnsupportedDocument


def test_each_suffix_has_one_type_and_the_message_names_them_all():
    assert SUPPORTED == {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf"}
    assert [t.format for t in FILE_TYPES] == ["txt", "md", "html", "pdf"] and BY_SUFFIX[".htm"].format == "html"
    assert KINDS_SHOWN == ".txt, .md, .html or .pdf"
    assert unsupported(".pptx") == "unsupported file type '.pptx'; give a .txt, .md, .html or .pdf file."


@pytest.mark.parametrize("content_type,data,expected", [
    ("application/pdf", b"%PDF-1.7 ...", "pdf"), ("application/octet-stream", b"%PDF-1.4", "pdf"),
    ("text/plain", b"plain words", "txt"), ("text/markdown", b"# Title", "md"),
    ("text/html", b"<html>", "html"), ("application/x-unknown", b"<p>", "html"),
])
def test_a_fetched_page_is_typed_by_its_bytes_then_its_content_type(content_type, data, expected):
    assert type_of_content(content_type, data).format == expected


def test_an_upload_of_another_type_is_refused_with_the_registry_message():
    with pytest.raises(UnsupportedDocument, match=r"notes\.docx: unsupported file type '\.docx'; give a \.txt"):
        read_upload(Upload("notes.docx", b"some words"), 10**6)
    reading = read_upload(Upload("notes.md", b"# Notes\n\nSome words about kettles, enough to read."), 10**6)
    assert reading.format == "md"
