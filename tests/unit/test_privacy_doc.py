"""docs/privacy.md names a test for each promise: every one must exist."""

from __future__ import annotations

import ast
import re

from docsafe_tools.local.template import REPO_ROOT

DOC = REPO_ROOT / "docs" / "privacy.md"


def _test_names_of(path: str) -> set[str]:
    tree = ast.parse((REPO_ROOT / "tests" / path).read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_promise_names_tests_that_exist() -> None:
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| ") and "::" in line]
    assert len(rows) >= 20
    for row in rows:
        promise, proof = row.strip("|").rsplit("|", 1)
        current_file = None
        references = re.findall(r"`([^`]+)`", proof)
        assert references, promise
        for reference in references:
            file_part, _, name = reference.partition("::")
            if file_part:
                current_file = file_part
                assert (REPO_ROOT / "tests" / file_part).is_file(), reference
            if name:
                assert current_file is not None
                assert name in _test_names_of(current_file), f"{reference} in row: {promise.strip()}"
