"""The documentation holds together: README.md is a short user's page (at most 250 lines, with
`make chat` and `make test` on its first screen), the pages of docs/ exist, and every relative
link or image in README.md, docs/*.md and eval/README.md points at a file that exists and, for a
#anchor, at a heading of that file (GitHub's slugs). Plain file reading: no model, no index."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = ["how-it-works", "evaluation", "training", "speed-and-scale", "llm-mode", "milvus", "reliability"]
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


def markdown_files() -> list[Path]:
    return [README, ROOT / "eval" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def prose_lines(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks (a `# comment` in a bash block is no heading)."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation other than - and _ removed, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for line in prose_lines(path):
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            result.add(base if n == 0 else f"{base}-{n}")
    return result


def links(path: Path) -> list[str]:
    found = []
    for line in prose_lines(path):
        found += LINK.findall(re.sub(r"`[^`]*`", "", line))  # inline code is not a link
    return [target for target in found if not SCHEME.match(target)]


def broken_link(path: Path, target: str) -> str | None:
    """Why `target`, linked from `path`, does not resolve; None when it does."""
    file_part, _, anchor = target.partition("#")
    dest = (path.parent / file_part).resolve() if file_part else path
    if not dest.is_file():
        return f"{path.relative_to(ROOT)}: {target} (no file {file_part})"
    if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
        return f"{path.relative_to(ROOT)}: {target} (no heading #{anchor} in {dest.relative_to(ROOT)})"
    return None


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; at most 250"


def test_the_two_commands_are_on_the_first_screen():
    first = "\n".join(README.read_text(encoding="utf-8").splitlines()[:40])
    for command in ("make chat", "make test"):
        assert command in first, f"`{command}` is not in README.md's first 40 lines"


def test_the_docs_pages_exist():
    missing = [f"docs/{page}.md" for page in PAGES if not (ROOT / "docs" / f"{page}.md").is_file()]
    assert not missing, f"missing pages: {', '.join(missing)}"


def test_every_relative_link_resolves():
    broken = [why for path in markdown_files() for target in links(path) if (why := broken_link(path, target))]
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_slug_follows_github():
    assert slug("The article's eval set") == "the-articles-eval-set"
    assert slug("Short answers and abstention on SQuAD 2.0") == "short-answers-and-abstention-on-squad-20"
    assert slug("Thresholds, chosen once") == "thresholds-chosen-once"
    assert slug("`cited.Library` — from Python") == "citedlibrary--from-python"
