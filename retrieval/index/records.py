"""What an index holds: documents with numbered paragraphs, and the chunks that carry their
citation. Ingest builds these records and hands them to the store; retrieval reads them back.
Invariant: chunk.text == document.text[chunk.start:chunk.end], and so for every sentence."""

from __future__ import annotations

from dataclasses import dataclass, field

# Paragraph kinds. The first five say what the article is rather than what it says: its byline
# block, its publisher and its reading time (the colophon after its last paragraph). They are
# embedded with a label ("Author: …") so that "who wrote this?" finds them.
HEADER_KINDS = ("title", "author", "date", "site", "length")
# Stored as their place in this tuple (index/lazy_rows.KIND_CODES): a new kind goes at the end.
KINDS = ("title", "author", "date", "heading", "text", "site", "length")

# What a byline paragraph is, said in the words of the questions it answers (document expansion,
# as doc2query does), so that "Who wrote this?" finds "Ali Atef".
HEADER_LABELS = {
    "title": "What is this article called? The title of this article is:",
    "author": "Who wrote this article? The author who wrote it is:",
    "date": "When was this article published or last updated? Its date is:",
    "site": "Who published this article, which site or organisation put it out? Its publisher is:",
    "length": "How long is this article, how long does it take to read? Its reading time is:",
}


@dataclass(frozen=True)
class Paragraph:
    n: int  # 1-based, in reading order
    start: int  # offsets into Document.text
    end: int
    kind: str = "text"
    section: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    authors: tuple[str, ...] = ()
    date: str = ""  # ISO 8601 (YYYY-MM-DD) when known
    site: str = ""
    language: str = ""  # ISO 639-1, as detected at ingest ("" when too short to tell)
    source: str = ""  # file path, URL, or upload:NAME


@dataclass(frozen=True)
class Document:
    id: str
    text: str  # the cleaned text every offset points into
    paragraphs: tuple[Paragraph, ...]
    meta: Metadata = field(default_factory=Metadata)
    format: str = "txt"
    sha256: str = ""  # of the source bytes, for incremental ingest

    def paragraph_text(self, p: Paragraph) -> str:
        return self.text[p.start : p.end]


@dataclass(frozen=True)
class Chunk:
    doc: str
    paragraph: int
    start: int
    end: int
    text: str
    kind: str = "text"
    section: tuple[str, ...] = ()
    page: int | None = None
    sentences: tuple[tuple[int, int], ...] = ()  # absolute (start, end) of each sentence

    def embed_text(self, text: str | None = None) -> str:
        """The text given to the encoders: byline paragraphs get a label saying what they are."""
        text = self.text if text is None else text
        if self.kind in HEADER_KINDS:
            return f"{HEADER_LABELS[self.kind]} {text}"
        return text

    def sentence_texts(self) -> list[str]:
        return [self.text[s - self.start : e - self.start] for s, e in self.sentences]
