"""Searching the index: the encoders, dense and BM25 signals, their fusion, and the pair models (reader, verifier) that score sentences."""
