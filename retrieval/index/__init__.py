"""Storing the index: its records, the folder store and its parts (segments, rows, vectors, BM25), the Milvus store, the store interface."""
