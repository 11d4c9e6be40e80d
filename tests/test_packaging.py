"""The package as users install it: a wheel that carries its types (PEP 561)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_ships_py_typed_so_type_checkers_see_the_api(tmp_path: Path) -> None:
    """Building the wheel puts `ledger/py.typed` in it, beside the migrations and seeds."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("claim_ledger-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ledger/py.typed" in names
    assert any(name.startswith("ledger/_migrations/") for name in names)
    assert "ledger/_seeds/reports.yaml" in names
