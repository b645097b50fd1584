"""Clean document → chunks that carry their citation, and the sentences inside each chunk.

A chunk never crosses a paragraph; a paragraph longer than `chunk_size` is split at sentence
ends by langchain's RecursiveCharacterTextSplitter. Invariant: chunk.text == doc.text[start:end].
"""

from __future__ import annotations

from functools import lru_cache

from retrieval.index.records import Chunk, Document


@lru_cache(maxsize=4)
def _splitter(chunk_size: int, chunk_overlap: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text, whitespace trimmed; always covers every word."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in _segmenter().segment(text):
        sentence = piece.sent.strip()
        if not sentence:
            continue
        start = text.find(sentence, cursor)
        if start < 0:  # pysbd altered the text; fall back to its own span
            start = max(piece.start, cursor)
            sentence = text[start : piece.end].strip()
            if not sentence:
                continue
            start = text.find(sentence, start)
        spans.append((start, start + len(sentence)))
        cursor = start + len(sentence)
    if not spans and text.strip():
        stripped = text.strip()
        start = text.find(stripped)
        spans.append((start, start + len(stripped)))
    return spans


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    splitter = _splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    for p in doc.paragraphs:
        text = doc.paragraph_text(p)
        pieces = [(0, text)] if len(text) <= chunk_size else [
            (d.metadata["start_index"], d.page_content) for d in splitter.create_documents([text])
        ]
        for offset, piece in pieces:
            start = p.start + offset
            end = start + len(piece)
            # A heading or byline line is one unit, however its dots fall ("II. Iran's Motives").
            spans = [(0, len(piece))] if p.kind != "text" else split_sentences(piece)
            sentences = tuple((start + s, start + e) for s, e in spans)
            chunks.append(Chunk(doc.id, p.n, start, end, piece, p.kind, p.section, p.page, sentences))
    return chunks
