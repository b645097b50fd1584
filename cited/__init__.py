"""cited: answers built from an article's own sentences, cited to its paragraphs.

`from cited import Library` is the Python API (cited/library.py), the front object every door
asks through. It is imported on first use, so `import cited` stays light.
"""

__version__ = "0.1.0"
__all__ = ["Library", "__version__"]


def __getattr__(name: str):
    if name == "Library":
        from cited.library import Library

        return Library
    raise AttributeError(f"module 'cited' has no attribute {name!r}")
