"""Importing a package without the optional packages it imports whenever they are installed, for
features cited does not use: each costs a question's cold start or the server's memory."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def imported_without(name: str, unused: tuple[str, ...]) -> ModuleType:
    """`import name`, with `unused` looking absent while it is imported (they stay importable for
    others after)."""
    if name in sys.modules:
        return sys.modules[name]
    hidden = [module for module in unused if module not in sys.modules]
    for module in hidden:
        sys.modules[module] = None  # `import module` raises ImportError, for this import only
    try:
        return importlib.import_module(name)
    finally:
        for module in hidden:
            del sys.modules[module]
