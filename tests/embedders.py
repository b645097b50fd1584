"""A deterministic hashing encoder for fast unit tests that need no meaning. It lives here, not in
the product: tests register it (retrieval.embed.register_embedder) under the model names
"hashing-256" and "hashing-128", and every path it serves is also tested with the real model.

`python -m tests.embedders ARGS…` runs the `cited` command line with them registered, for tests
that need a separate process."""

from __future__ import annotations

import hashlib
import re
import sys

import numpy as np


class HashingEmbedder:
    """Bag of hashed unigrams and bigrams, unit length."""

    def __init__(self, dimension: int = 256) -> None:
        self.name = f"hashing-{dimension}"
        self.dimension = dimension

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for token in words + [a + " " + b for a, b in zip(words, words[1:])]:
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dimension] += 1.0 if (h >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def register() -> None:
    from retrieval.search.embed import register_embedder

    for dimension in (128, 256):
        register_embedder(HashingEmbedder(dimension))


if __name__ == "__main__":
    register()
    from ui.cli import main

    sys.exit(main(sys.argv[1:]))
