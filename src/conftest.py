"""Doctest collection of the package: an integration module whose library is not installed is
left out (importing it raises ImportError by design); its tests in tests/ skip and say so."""

from __future__ import annotations

import importlib.util

collect_ignore = [
    f"dedupe_docs/integrations/{module}.py"
    for module, library in (("datatrove", "datatrove"), ("hf", "datasets"))
    if importlib.util.find_spec(library) is None
]
