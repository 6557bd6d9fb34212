"""stratum/_rt.pyi declares exactly the functions the built extension has."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import stratum
import stratum.backends.rust as rust


@pytest.mark.skipif(rust._rt is None, reason="stratum._rt is not built")
def test_stubs_match_the_extension():
    stub = Path(stratum.__file__).with_name("_rt.pyi")
    declared = {node.name for node in ast.parse(stub.read_text()).body if isinstance(node, ast.FunctionDef)}
    exported = {name for name in dir(rust._rt) if not name.startswith("_")}
    assert declared == exported
