"""Retrieval: the index folder, ranked passages with citations, and grounded answers."""
