"""Re-run the examples of a markdown page and write their real output back into it.

    python docs/regenerate.py docs/cli.md            # rewrite the page
    python docs/regenerate.py --check docs/cli.md    # print a diff; exit 1 if it would change

The page is walked top to bottom in one fresh scratch directory:

* a fenced block whose first line is `# NAME` (```yaml, ```json, ```text …) is written to
  the file NAME, as shown (for JSON, which has no comments, without that first line);
* in a ```console block every line `$ COMMAND` is run with bash, and the lines after it, up
  to the next `$ `, are replaced by what it printed: stdout and stderr merged in the order
  written, 100 columns wide, without colours or trailing blank lines, then `[exit code N]`
  when N is not 0. A console block right
  after the line `<!-- not run -->` is left as it is;
* everything else (prose, other blocks) is left untouched.

`ledger` is the project's own (.venv/bin comes first on PATH) and `LEDGER_*` variables
of the caller's environment are dropped, so the output is that of a plain terminal session.
Recorded times, hashes and the scratch directory's path change on every run (so `--check`
always shows those lines); what matters is that one run produced all the outputs of a
page. Not part of the package, and not run by the test suite.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_RUN = "<!-- not run -->"
FILE_NAME = re.compile(r"# ([\w.-]+)$")
COLOR = re.compile(r"\x1b\[[0-9;]*m")  # a terminal shows no escape codes, only colours


def environment() -> dict[str, str]:
    """The environment of every command: a dumb 100-column terminal, the project's ledger."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEDGER_", "FORCE_COLOR"))}
    env.update(
        COLUMNS="100",
        TERM="dumb",
        NO_COLOR="1",
        PYTHONUNBUFFERED="1",  # stdout and stderr interleave as written
        LEDGER_LOG_FORMAT="console",  # the format a terminal gets, not JSON lines
        PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def run(command: str, scratch: Path) -> list[str]:
    """The lines COMMAND prints, as a terminal shows them, and its exit code when not 0."""
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=scratch,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    lines = [line.rstrip() for line in COLOR.sub("", done.stdout).rstrip().splitlines()]
    return lines + ([f"[exit code {done.returncode}]"] if done.returncode else [])


def console(block: list[str], scratch: Path) -> list[str]:
    """A console block with every command's output replaced by a fresh run's."""
    out: list[str] = []
    for line in block:
        if line.startswith("$ "):
            out.append(line)
            print(line, file=sys.stderr)
            out.extend(run(line[2:], scratch))
        elif not out:  # text before the first command stays
            out.append(line)
    return out


def regenerate(text: str, scratch: Path) -> str:
    """The page with every console block re-run and every named file written on the way."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        if not line.startswith("```"):
            continue
        end = lines.index("```", i)  # the closing fence
        block, lang = lines[i:end], line[3:].strip()
        previous = next((x for x in reversed(out[:-1]) if x.strip()), "")
        if lang == "console" and previous.strip() != NOT_RUN:
            block = console(block, scratch)
        elif block and (name := FILE_NAME.match(block[0])):
            body = block[1:] if lang == "json" else block
            (scratch / name[1]).write_text("\n".join(body) + "\n", encoding="utf-8")
        out.extend([*block, "```"])
        i = end + 1
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("page", type=Path, help="the markdown file, e.g. docs/cli.md")
    parser.add_argument("--check", action="store_true", help="print a diff, write nothing")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    old = args.page.read_text(encoding="utf-8")
    scratch = Path(tempfile.mkdtemp(prefix="ledger-docs-"))
    try:
        new = regenerate(old, scratch)
    finally:
        if args.keep:
            print(f"scratch directory: {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch)
    if not args.check:
        args.page.write_text(new, encoding="utf-8")
        return 0
    diff = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), str(args.page), "regenerated"
    )
    sys.stdout.writelines(diff)
    return int(new != old)


if __name__ == "__main__":
    sys.exit(main())
