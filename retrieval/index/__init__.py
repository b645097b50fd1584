"""Storing the index: its records, the folder store and its parts (segments, rows, vectors, BM25), the Milvus store, the store interface."""

import warnings

# Milvus Lite 2.5 imports pkg_resources, whose deprecation notice (setuptools 81, the last with it;
# torch 2.13 needs setuptools 77 or later) would otherwise open every error a command prints.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
