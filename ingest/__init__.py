"""Ingest: article file → clean text with numbered paragraphs → chunks with citations → vectors."""
