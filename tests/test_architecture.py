"""The data flow is the architecture: every import between the project's packages must follow an
allowed arrow. A small AST walk over every module (imports inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cited", "ingest", "retrieval", "ui", "eval")
# cited's base modules (errors, settings, params) are shared by every layer and import none of
# them; cited.library (and cited/__init__'s lazy `Library`) sits above ingest and retrieval.
BASE = "cited"
FACADE = {"cited.library", "cited"}
ALLOWED = {
    BASE: set(),
    "cited.library": {"ingest", "retrieval"},
    "retrieval": set(),
    "ingest": {"retrieval"},
    "eval": {"ingest", "retrieval", "cited.library"},
    "ui": {"ingest", "retrieval", "eval", "cited.library"},
}


def layer(module: str) -> str:
    if module in FACADE:
        return "cited.library"
    return module.split(".")[0]


def imports_of(file: Path) -> list[tuple[int, str]]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            if node.module == "cited":  # `from cited import Library` reaches the façade
                found += [(node.lineno, "cited.library") for a in node.names if a.name == "Library"]
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
                top = target.split(".")[0]
                if top not in PACKAGES:
                    continue
                wanted = "cited.library" if target in FACADE and target != "cited" else top
                if wanted in ("cited", source):  # the shared base, or within one layer
                    continue
                if wanted not in ALLOWED[source]:
                    out.append(f"{file.relative_to(ROOT)}:{line}: {source} → {target}")
    return out


def test_every_import_follows_an_allowed_arrow():
    assert violations() == []


def test_the_check_catches_a_wrong_arrow(tmp_path, monkeypatch):
    """retrieval importing ingest (the cycle this test exists to keep out) is reported."""
    import tests.test_architecture as arch

    fake = tmp_path / "retrieval"
    fake.mkdir()
    (fake / "bad.py").write_text("def f():\n    from ingest.pipeline import ingest\n")
    for package in PACKAGES:
        if package != "retrieval":
            (tmp_path / package).mkdir()
    monkeypatch.setattr(arch, "ROOT", tmp_path)
    assert arch.violations() == ["retrieval/bad.py:2: retrieval → ingest.pipeline"]
