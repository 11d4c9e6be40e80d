"""The README is part of the product: its Quickstart and its Python example must work."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), re.S)


class TestReadme:
    def test_quickstart_has_exactly_two_commands(self) -> None:
        """The Quickstart's first code block holds the main job, then the tests."""
        quickstart = README.read_text().split("## Quickstart", 1)[1]
        block = re.search(r"```sh\n(.*?)```", quickstart, re.S)
        assert block is not None
        assert block.group(1).split("\n")[:-1] == ["make demo", "make test"]

    def test_the_python_example_runs_and_prints_what_it_says(self, tmp_path: Path) -> None:
        """The README's Python example runs as written and prints the commented result."""
        code = code_blocks("python")[0]
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        expected = re.search(r"# (164 .*)", code)
        assert expected is not None
        assert result.stdout.strip().splitlines()[0] == expected.group(1)
