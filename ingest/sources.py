"""What the user named on the command line → readings: files, folders (recursively, by
extension) and http(s) URLs (fetched with a timeout). Every failure is a DocumentError naming
the input, so one bad input never stops the others."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest.readers import BY_SUFFIX, SUPPORTED, Reading, read_bytes, read_file, type_of_content, unsupported
from retrieval.base.errors import CitedError, DocumentError, DocumentTooLarge, NothingToIngest, UnsupportedDocument

URL_TIMEOUT_S = 15.0
_URL = re.compile(r"^https?://", re.I)


def is_url(item: str) -> bool:
    return bool(_URL.match(item))


def expand_inputs(inputs: list[str]) -> tuple[list[str], list[CitedError]]:
    """Files, folders and URLs → the files and URLs to read, in a stable order without repeats,
    and an error for each folder with nothing to ingest in it."""
    out: list[str] = []
    errors: list[CitedError] = []
    for item in inputs:
        path = Path(item)
        if is_url(item) or not path.is_dir():
            out.append(item)
            continue
        found = sorted(
            p for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in SUPPORTED
            and not any(part.startswith(".") for part in p.relative_to(path).parts)  # .git, .cache, …
        )
        if not found:
            errors.append(NothingToIngest(item))
        out.extend(str(p) for p in found)
    seen: set[str] = set()
    unique = []
    for item in out:
        key = item if is_url(item) else str(Path(item).resolve())
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique, errors


# The source an uploaded file is stored under: "upload:NAME", never its temporary path, so a
# changed file uploaded again under its name updates its document.
UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True)
class Upload:
    """A file handed over by a program or the web app rather than named on disk: its name (only
    the suffix and a cleaned stem are kept, never a path) and its bytes, or a path to read them
    from (checked for size before it is read)."""

    name: str
    data: bytes | None = None
    path: Path | None = None

    @property
    def filename(self) -> str:
        name = Path(str(self.name).replace("\\", "/")).name
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-")[:60] or "upload"
        return stem + Path(name).suffix.lower()

    @property
    def source(self) -> str:
        return UPLOAD_PREFIX + self.filename


def read_upload(upload: Upload, max_bytes: int) -> Reading:
    """The upload's checks — type, then size — and its reading; the only place they happen."""
    shown = Path(str(upload.name)).name or "upload"
    suffix = Path(upload.filename).suffix
    if suffix not in BY_SUFFIX:
        raise UnsupportedDocument(shown, unsupported(suffix))
    data = upload.data
    try:
        if data is None:
            size = Path(upload.path).stat().st_size
            if size > max_bytes:
                raise DocumentTooLarge(shown, size, max_bytes)
            data = Path(upload.path).read_bytes()
    except (OSError, TypeError) as e:
        raise DocumentError(shown, f"cannot read the upload ({getattr(e, 'strerror', None) or e}).") from None
    if len(data) > max_bytes:
        raise DocumentTooLarge(shown, len(data), max_bytes)
    return read_bytes(data, shown, BY_SUFFIX[suffix])


def source_of(item: str) -> str:
    """The stable name a document is stored under: the URL, or the file's absolute path."""
    return item if is_url(item) else str(Path(item).resolve())


def read_input(item: str, max_bytes: int, url_timeout: float = URL_TIMEOUT_S) -> Reading:
    if is_url(item):
        return read_url(item, max_bytes, url_timeout)
    path = Path(item)
    if not path.exists():
        raise DocumentError(item, "no such file or folder.")
    return read_file(path, max_bytes)


def read_url(url: str, max_bytes: int, timeout: float = URL_TIMEOUT_S) -> Reading:
    """Fetch a page (or a PDF) and read it like a file of its content type."""
    import urllib.error  # here, not at the top: a question never fetches, and importing them is slow
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "cited/0.1 (article reader)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
            kind = response.headers.get_content_type()
    except urllib.error.HTTPError as e:
        raise DocumentError(url, f"the server answered {e.code} {e.reason}.") from None
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError) or isinstance(e, TimeoutError):
            raise DocumentError(url, f"no answer within {timeout:g} s; check the address or try again later.") from None
        raise DocumentError(url, f"could not fetch it ({reason}).") from None
    if len(data) > max_bytes:
        raise DocumentError(url, f"the page is over the {max_bytes / 1e6:.0f} MB limit (set CITED_MAX_FILE_MB to raise it).")
    return read_bytes(data, url, type_of_content(kind, data))


def document_id(source: str, taken: set[str]) -> str:
    """A short, readable id from the file name or the URL's last path part, unique in the index."""
    source = source.removeprefix(UPLOAD_PREFIX)
    if is_url(source):
        path = re.sub(r"[?#].*$", "", source).split("://", 1)[1].rstrip("/")
        stem = re.sub(r"\.[a-z0-9]{1,5}$", "", path.rsplit("/", 1)[-1], flags=re.I)
    else:
        stem = Path(source).stem
    base = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60] or "document"
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    return doc_id
