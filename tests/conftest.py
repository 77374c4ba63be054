"""Shared fixtures: the ../shared oracle (skips cleanly when absent) and repository paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("GUNW_SHARED_DIR", REPO.parent / "shared"))
RECORDED = SHARED / "isce2-recorded"
DOUBLE_BIN = REPO / "tests" / "isce2_double" / "bin"

# Fixtures shared by the input tests (`services`: loopback servers replaying the recorded responses).
pytest_plugins = ["inputs_support"]


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} (shared test data) is not available")
    return SHARED


@pytest.fixture
def recorded_dir() -> Path:
    if not RECORDED.is_dir():
        pytest.skip(f"{RECORDED} (recorded ISCE2 runs) is not available")
    return RECORDED


@pytest.fixture(scope="session")
def demo_double(tmp_path_factory):
    """The double demo (the matrix's variant demo_30m: config/demo.yaml as `make demo-double` runs it), finished
    once per session for the tests that read a finished run (report, console, README commands)."""
    from test_e2e_matrix import Matrix

    return Matrix(tmp_path_factory.mktemp("demo_double")).get("demo_30m")
