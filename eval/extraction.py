"""`cited eval --extraction [PATH]`: how well cited's own readers keep a page's article and drop the rest,
on an article-extraction benchmark folder (Zyte's: ../shared/benchmarks/article-extraction).

The folder holds `ground-truth.json` ({id: {"articleBody", "url"}}) and the pages as one or both input kinds:
`captures/<id>.txt` (a reader's plain-text capture) and `html/<id>.html[.gz]` (the saved page). Each page goes
through `ingest.readers.read_bytes`, exactly as `cited ingest` reads it; what cited keeps is its blocks' texts
joined by newlines. A page cited refuses (a DocumentError) keeps nothing.

The score is the benchmark's own (its evaluate.py): words are runs of word characters (`\\w+`, so punctuation
and spacing do not count), compared as 4-shingles with counts; precision and recall per page, averaged over
pages, F1 from the averages. A text of fewer than 4 words is one shingle, as in evaluate.py. One choice of ours
(eval/README.md): a page with an empty prediction scores P = R = 0, where evaluate.py leaves it out of the
precision mean, which would reward refusing hard pages.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from retrieval.base.errors import CitedError, DocumentError, DocumentTooLarge
from retrieval.base.settings import Settings

SHINGLE = 4
WORD = re.compile(r"\w+")
KINDS = {"captures": ("*.txt",), "html": ("*.html.gz", "*.html")}  # input kind → its folder's file patterns
WORST = 10
EXCERPT = 300
# The benchmark's README, HTML input, all 181 pages (this folder holds about half of them): F1 only.
REFERENCE_F1 = {"trafilatura 2.0.0": 0.958, "jusText": 0.804, "html-text (no cleaning)": 0.665}


@dataclass(frozen=True)
class Benchmark:
    path: Path
    truth: dict[str, str]  # id → articleBody
    urls: dict[str, str]
    inputs: dict[str, dict[str, Path]]  # kind → id → input file


@dataclass(frozen=True)
class PageScore:
    id: str
    kind: str
    precision: float
    recall: float
    f1: float
    refused: bool
    error: str | None
    kept: str  # what cited kept (for worst.md; not written to pages.jsonl)


# --- the metric ----------------------------------------------------------------------------------


def words(text: str) -> list[re.Match]:
    return list(WORD.finditer(text))


def shingles(tokens: list[str]) -> list[tuple[str, ...]]:
    """Every run of SHINGLE consecutive words; a shorter non-empty text is one shingle, so a one-line
    article can still be matched (evaluate.py does the same)."""
    if not tokens:
        return []
    return [tuple(tokens[i:i + SHINGLE]) for i in range(max(1, len(tokens) - SHINGLE + 1))]


def shingle_scores(prediction: str, truth: str) -> tuple[float, float]:
    """(precision, recall) of the prediction's word 4-shingles against the truth's, counted as multisets:
    a paragraph kept twice matches once. Nothing predicted scores (0, 0) unless there was nothing to find."""
    pred = Counter(shingles([m.group() for m in words(prediction)]))
    true = Counter(shingles([m.group() for m in words(truth)]))
    if not pred or not true:
        return (1.0, 1.0) if not pred and not true else (0.0, float(not true))
    matches = sum((pred & true).values())
    return matches / sum(pred.values()), matches / sum(true.values())


def f1_score(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# --- the benchmark folder ------------------------------------------------------------------------


def load_benchmark(path: Path) -> Benchmark:
    """The folder's ground truth and, per input kind present, the pages that have a truth."""
    path = Path(path)
    truth_file = path / "ground-truth.json"
    if not path.is_dir():
        raise CitedError(f"{path}: no such folder; give an article-extraction benchmark folder with --extraction PATH.")
    if not truth_file.is_file():
        raise CitedError(f"{path}: no ground-truth.json there; give an article-extraction benchmark folder "
                         "with --extraction PATH (ground-truth.json plus captures/*.txt or html/*.html.gz).")
    try:
        data = json.loads(truth_file.read_text(encoding="utf-8"))
        truth = {str(k): str(v["articleBody"]) for k, v in data.items()}
        urls = {str(k): str(v.get("url", "")) for k, v in data.items()}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError) as e:
        raise CitedError(f"{truth_file}: not a ground truth of the form {{id: {{\"articleBody\": ...}}}} "
                         f"({type(e).__name__}); fix or replace the file.") from None
    inputs = {kind: found for kind in KINDS if (found := _inputs(path / kind, KINDS[kind], truth))}
    if not inputs:
        raise CitedError(f"{path}: no page has both a ground truth and an input; put <id>.txt files in "
                         f"{path / 'captures'} or <id>.html.gz files in {path / 'html'}.")
    return Benchmark(path, truth, urls, inputs)


def _inputs(folder: Path, patterns: tuple[str, ...], truth: dict[str, str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for pattern in patterns:
        suffix = pattern[1:]
        for file in sorted(folder.glob(pattern)):
            page_id = file.name[: -len(suffix)]
            if page_id in truth:
                found.setdefault(page_id, file)
    return dict(sorted(found.items()))


# --- reading a page as cited does ----------------------------------------------------------------


def page_bytes(file: Path) -> tuple[bytes, str]:
    """The page's bytes and the suffix cited would see: a gzipped page is read as the page itself."""
    try:
        if file.name.endswith(".gz"):
            return gzip.decompress(file.read_bytes()), Path(file.stem).suffix.lower()
        return file.read_bytes(), file.suffix.lower()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise CitedError(f"{file}: cannot read this page ({type(e).__name__}: {e}); re-copy the benchmark.") from None


def kept_text(file: Path, max_bytes: int) -> str:
    """What cited keeps of the page: its blocks' texts, one per line. Raises DocumentError when cited refuses
    the page, as `cited ingest` would (the size limit included)."""
    from ingest.readers import BY_SUFFIX, read_bytes

    data, suffix = page_bytes(file)
    if len(data) > max_bytes:
        raise DocumentTooLarge(str(file), len(data), max_bytes)
    # The colophon ("Published by …", "19 Min Read") says what the page is, not the article's body
    # the benchmark marks; cited writes "Published by" itself.
    return "\n".join(block.text for block in read_bytes(data, str(file), BY_SUFFIX[suffix]).blocks
                     if block.kind not in ("site", "length"))


def score_page(bench: Benchmark, kind: str, page_id: str, max_bytes: int) -> PageScore:
    try:
        kept, error = kept_text(bench.inputs[kind][page_id], max_bytes), None
    except DocumentError as e:
        kept, error = "", f"{type(e).__name__}: {e.why}"
    precision, recall = shingle_scores(kept, bench.truth[page_id])
    return PageScore(page_id, kind, precision, recall, f1_score(precision, recall), error is not None, error, kept)


def evaluate_extraction(bench: Benchmark, max_bytes: int, limit: int | None = None,
                        progress: bool = True) -> dict[str, list[PageScore]]:
    """Every page of every input kind (the first `limit` of each, in id order), scored."""
    from tqdm import tqdm

    scores: dict[str, list[PageScore]] = {}
    for kind, pages in bench.inputs.items():
        ids = list(pages)[: limit or None]
        scores[kind] = [score_page(bench, kind, page_id, max_bytes)
                        for page_id in tqdm(ids, desc=f"{kind:>8}", unit="page", leave=False, file=sys.stderr,
                                            disable=not progress)]
    return scores


def mean_figures(pages: list[PageScore]) -> dict:
    """The benchmark's figures: precision and recall averaged over pages, F1 from the two averages."""
    precision = sum(p.precision for p in pages) / len(pages) if pages else 0.0
    recall = sum(p.recall for p in pages) / len(pages) if pages else 0.0
    return {"pages": len(pages), "refused": sum(p.refused for p in pages), "precision": precision,
            "recall": recall, "f1": f1_score(precision, recall),
            "refused_pages": {p.id: p.error for p in pages if p.refused}}


def figures_json(bench: Benchmark, scores: dict[str, list[PageScore]]) -> dict:
    return {"benchmark": str(bench.path), "kinds": {kind: mean_figures(pages) for kind, pages in scores.items()},
            "reference_f1": REFERENCE_F1}


# --- output --------------------------------------------------------------------------------------


def table_lines(figures: dict) -> list[str]:
    """kind | pages | refused | precision | recall | F1, then the published HTML figures to compare with."""
    rows = [[kind, str(f["pages"]), str(f["refused"]), f"{f['precision']:.3f}", f"{f['recall']:.3f}",
             f"{f['f1']:.3f}"] for kind, f in figures["kinds"].items()]
    rows += [[f"{name} (published, html)", "181", "—", "—", "—", f"{f1:.3f}"]
             for name, f1 in figures["reference_f1"].items()]
    header = ["kind", "pages", "refused", "precision", "recall", "F1"]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join(("{:<%d}" if i == 0 else "{:>%d}") % w for i, w in enumerate(widths))
    return [fmt.format(*header)] + [fmt.format(*r) for r in rows]


def excerpt(text: str, other: str) -> str:
    """The first EXCERPT characters of `text` whose words are in no shingle of `other`: runs of such words,
    quoted as written and joined by ' … ', to show at a glance what was kept wrongly or lost."""
    found = words(text)
    theirs = set(shingles([m.group() for m in words(other)]))
    covered = [False] * len(found)
    for i, shingle in enumerate(shingles([m.group() for m in found])):
        if shingle in theirs:
            covered[i:i + len(shingle)] = [True] * len(shingle)
    runs: list[str] = []
    start = None
    for i, match in enumerate(found + [None]):
        if match is not None and not covered[i]:
            start = match.start() if start is None else start
        elif start is not None:
            runs.append(" ".join(text[start:found[i - 1].end()].split()))
            start = None
    joined = " … ".join(runs)
    return joined if len(joined) <= EXCERPT else joined[:EXCERPT].rstrip() + " …"


def worst_lines(bench: Benchmark, kind: str, pages: list[PageScore]) -> list[str]:
    lines = [f"## {kind}: the {min(WORST, len(pages))} worst pages by F1", ""]
    for p in sorted(pages, key=lambda p: (p.f1, p.id))[:WORST]:
        truth = bench.truth[p.id]
        lines += [f"### {p.id} — F1 {p.f1:.3f} (P {p.precision:.3f}, R {p.recall:.3f})", "",
                  f"- url: {bench.urls.get(p.id) or '—'}", f"- input: `{bench.inputs[kind][p.id]}`"]
        if p.refused:
            lines.append(f"- refused: {p.error}")
        lines += [f"- kept, not in the truth: {excerpt(p.kept, truth) or '—'}",
                  f"- lost: {excerpt(truth, p.kept) or '—'}", ""]
    return lines


def write_extraction_report(out: Path, bench: Benchmark, figures: dict, scores: dict[str, list[PageScore]]) -> None:
    """extraction.json (the figures), pages.jsonl (one line per page and kind) and worst.md (where to look next)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "extraction.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with (out / "pages.jsonl").open("w", encoding="utf-8") as f:
        for pages in scores.values():
            for p in pages:
                row = {k: v for k, v in asdict(p).items() if k != "kept"}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    lines = [f"# Page cleaning: the worst pages of {bench.path}", "",
             f"Excerpts are runs of words in no 4-word shingle of the other text (first {EXCERPT} characters).", ""]
    for kind, pages in scores.items():
        lines += worst_lines(bench, kind, pages)
    (out / "worst.md").write_text("\n".join(lines), encoding="utf-8")


def run_extraction(args, settings: Settings) -> int:
    bench = load_benchmark(Path(args.extraction))
    scores = evaluate_extraction(bench, settings.max_file_bytes, args.limit, progress=not args.json)
    figures = figures_json(bench, scores)
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print(f"Page cleaning on {bench.path} (word 4-shingles; mean over pages)")
        for line in table_lines(figures):
            print(line)
        for kind, f in figures["kinds"].items():
            for page_id, error in f["refused_pages"].items():
                print(f"refused ({kind}) {page_id}: {error}")
    if args.out:
        write_extraction_report(Path(args.out), bench, figures, scores)
    return 0
