"""cited: answers built from an article's own sentences, cited to its paragraphs."""

__version__ = "0.1.0"
