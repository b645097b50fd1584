"""What a user's `pip install cited` brings: what asking and chatting need, and no package that
only evaluation uses (they come with the `eval` extra, which `make test` installs)."""

from __future__ import annotations

import importlib.metadata as metadata
import re

# (scipy is not among them: sentence-transformers needs it.)
EVAL_ONLY = {"ranx", "matplotlib", "psutil", "numba", "seaborn", "pytest", "playwright"}


def _name(requirement: str) -> str:
    return re.split(r"[\s;\[<>=!~(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def installed_closure(distribution: str) -> set[str]:
    """Every distribution a plain install of `distribution` pulls in (no extras), as installed here."""
    seen: set[str] = set()
    todo = [distribution]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # for another platform or Python (markers), not installed here
        for requirement in requires:
            if "extra ==" in requirement.replace("extra==", "extra =="):
                continue
            todo.append(_name(requirement))
    return seen


def test_a_plain_install_has_no_evaluation_only_packages():
    closure = installed_closure("cited")
    assert {"gradio", "sentence-transformers", "faiss-cpu", "bm25s"} <= closure
    assert closure & EVAL_ONLY == set()


def test_the_extras_bring_them():
    extras = metadata.requires("cited") or []
    by_extra = {}
    for requirement in extras:
        found = re.search(r"extra\s*==\s*['\"](\w+)['\"]", requirement)
        if found:
            by_extra.setdefault(found.group(1), set()).add(_name(requirement))
    assert {"ranx", "matplotlib", "psutil"} <= by_extra["eval"]
    assert not any("openai" in names for names in by_extra.values())  # the LLM writer's client: a base need
