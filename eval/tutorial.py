"""The reference baseline: what a typical RAG tutorial does. No cleaning of the page,
RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200), dense retrieval only.
Built in memory from the same source files, with the same encoder, so only the method differs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ingest.chunking import split_sentences
from retrieval.answer.answerer import Answerer
from retrieval.index.folder import IndexData
from retrieval.index.records import Chunk, Document, Paragraph
from retrieval.search.retriever import Retriever


def tutorial_chunks(doc_id: str, text: str) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    chunks = []
    for n, d in enumerate(splitter.create_documents([text]), start=1):
        start = d.metadata["start_index"]
        end = start + len(d.page_content)
        sentences = tuple((start + s, start + e) for s, e in split_sentences(d.page_content))
        chunks.append(Chunk(doc_id, n, start, end, d.page_content, "text", (), None, sentences))
    return chunks


def tutorial_index(sources: dict[str, str], embedder) -> IndexData:
    documents, chunks = [], []
    for doc_id, text in sources.items():
        doc_chunks = tutorial_chunks(doc_id, text)
        chunks.extend(doc_chunks)
        paragraphs = tuple(Paragraph(c.paragraph, c.start, c.end) for c in doc_chunks)
        documents.append(Document(doc_id, text, paragraphs))
    texts = [c.text for c in chunks] + [s for c in chunks for s in c.sentence_texts()]
    vectors = embedder.encode(texts)
    return IndexData(
        model=embedder.name, dimension=embedder.dimension, chunking={"chunk_size": 1000, "chunk_overlap": 200},
        documents=documents, chunks=chunks, chunk_vectors=vectors[: len(chunks)],
        sentence_vectors=vectors[len(chunks):] if len(texts) > len(chunks) else np.zeros((0, embedder.dimension), np.float32),
    )


def tutorial_answerer(ours: Answerer) -> Answerer:
    """The baseline over the raw source files of the documents in our index (same ids)."""
    sources = {}
    for doc in ours.retriever.index.documents:
        path = Path(doc.meta.source)
        sources[doc.id] = path.read_text(encoding="utf-8", errors="replace") if path.exists() else doc.text
    index = tutorial_index(sources, ours.retriever.embedder)
    return Answerer(Retriever(index, ours.retriever.embedder, ours.settings))
