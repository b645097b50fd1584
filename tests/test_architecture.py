"""The data flow is the architecture: every import between the project's packages must follow an
allowed arrow. A small AST walk over every module (imports inside functions included).

Inside retrieval/ the rooms go downwards only: answer → search → index → base (the shared base:
errors, settings, their checks, file hashing). Between packages: ingest → retrieval; cited (the
Library, the front object every door uses) → ingest, retrieval; eval → cited, ingest, retrieval;
ui → cited, eval, ingest, retrieval."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cited", "ingest", "retrieval", "ui", "eval")
ROOMS = ("retrieval.answer", "retrieval.search", "retrieval.index", "retrieval.base")  # top to bottom
ALLOWED = {
    "retrieval.base": set(),
    "retrieval.index": {"retrieval.base"},
    "retrieval.search": {"retrieval.index", "retrieval.base"},
    "retrieval.answer": {"retrieval.search", "retrieval.index", "retrieval.base"},
    "retrieval": set(ROOMS),  # retrieval/__init__.py
    "ingest": set(ROOMS),
    "cited": {"ingest", *ROOMS},
    "eval": {"cited", "ingest", *ROOMS},
    "ui": {"cited", "eval", "ingest", *ROOMS},
}


def layer(module: str) -> str:
    """The room (inside retrieval) or the package a module belongs to."""
    for room in ROOMS:
        if module == room or module.startswith(room + "."):
            return room
    return module.split(".")[0]


def imports_of(file: Path) -> list[tuple[int, str]]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from retrieval.search import reader` imports retrieval.search.reader
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def module_name(file: Path) -> str:
    parts = file.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def violations() -> list[str]:
    out = []
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            source = layer(module_name(file))
            for line, target in imports_of(file):
                if target.split(".")[0] not in PACKAGES:
                    continue
                wanted = layer(target)
                if wanted != source and wanted not in ALLOWED[source]:
                    out.append(f"{file.relative_to(ROOT)}:{line}: {source} → {target}")
    return sorted(set(out))


def test_every_import_follows_an_allowed_arrow():
    assert violations() == []


def _tree(tmp_path: Path, file: str, source: str) -> None:
    for package in PACKAGES:
        (tmp_path / package).mkdir(exist_ok=True)
    (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file).write_text(source)


def test_the_check_catches_a_wrong_arrow_between_packages(tmp_path, monkeypatch):
    """retrieval importing ingest (the cycle this test exists to keep out) is reported."""
    import tests.test_architecture as arch

    _tree(tmp_path, "retrieval/index/bad.py", "def f():\n    from ingest.pipeline import ingest\n")
    monkeypatch.setattr(arch, "ROOT", tmp_path)
    assert arch.violations() == ["retrieval/index/bad.py:2: retrieval.index → ingest.pipeline.ingest"]


def test_the_check_catches_an_upward_arrow_between_rooms(tmp_path, monkeypatch):
    """The index importing the answerer, or search importing from answer, is reported; answer
    importing search is not."""
    import tests.test_architecture as arch

    _tree(tmp_path, "retrieval/index/store.py", "from retrieval.answer.answerer import Answer\n")
    _tree(tmp_path, "retrieval/search/rank.py", "from retrieval.answer import check\n")
    _tree(tmp_path, "retrieval/answer/compose.py", "from retrieval.search.retriever import Retriever\n")
    monkeypatch.setattr(arch, "ROOT", tmp_path)
    assert arch.violations() == [
        "retrieval/index/store.py:1: retrieval.index → retrieval.answer.answerer.Answer",
        "retrieval/search/rank.py:1: retrieval.search → retrieval.answer.check",
    ]
