"""Hostile files for `ledger append` and `ledger import`: each is refused with ONE line on
stderr naming the file, the line where it can be told, and the reason; exit code 2; no
traceback; nothing appended and the chain still verifies — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ledger
from bench.large_file import measure
from ledger.cli import report_files
from ledger.cli.inputs import CHUNK
from ledger.service.transfer import export_lines
from tests.cli.conftest import KILLED, Run, event_count, seed

REPORT = {
    "report_id": "hostile-report",
    "outlet": "rferl",
    "published_at": "2022-01-10T09:00:00+06:00",
    "claims": [
        {
            "claim_id": "hostile-claim",
            "figure": KILLED,
            "value": "at least 200",
            "as_of": "2022-01-10",
            "origin": "rferl",
        }
    ],
}

YAML = """\
- report_id: hostile-report
  outlet: rferl
  published_at: 2022-01-10T09:00:00+06:00
  claims:
    - claim_id: hostile-claim
      figure: kz-unrest-2022/killed/kazakhstan
      value: at least 200
      as_of: 2022-01-10
      origin: rferl
"""

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _report(**fields: object) -> dict[str, object]:
    return {**REPORT, **fields}


def refused(run: Run, url: str, command: str, path: Path | str, stdin: bytes | None = None) -> str:
    """Run `ledger COMMAND PATH`; assert one error line, exit 2, nothing appended and an
    intact chain; return the line."""
    before = event_count(url)
    result = run(command, str(path), "--db", url, input=stdin)  # type: ignore[arg-type]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert event_count(url) == before
    assert run("verify", "--db", url).exit_code == 0
    return lines[0]


class TestAppendEncodings:
    def test_latin_1_is_named_by_line_and_byte(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A Latin-1 byte in a YAML file: the line and the byte are named."""
        path = tmp_path / "latin.yaml"
        path.write_bytes(YAML.replace("at least 200", "at least 200 café").encode("latin-1"))
        message = refused(run, kz, "append", path)
        assert f"{path}:7: not UTF-8 text (byte 0xe9)" in message

    def test_utf_16_with_a_byte_order_mark(self, run: Run, kz: str, tmp_path: Path) -> None:
        """UTF-16 text is named as such at line 1."""
        path = tmp_path / "wide.json"
        path.write_text(json.dumps([REPORT]), encoding="utf-16")
        assert f"{path}:1: UTF-16 text; save the file as UTF-8" in refused(run, kz, "append", path)

    def test_utf_16_without_a_byte_order_mark(self, run: Run, kz: str, tmp_path: Path) -> None:
        """UTF-16 without a mark reads as text full of NUL characters: refused as such."""
        path = tmp_path / "wide.jsonl"
        path.write_bytes((json.dumps(REPORT) + "\n").encode("utf-16-le"))
        assert "NUL character" in refused(run, kz, "append", path)

    def test_a_utf_8_byte_order_mark_is_accepted(self, run: Run, kz: str, tmp_path: Path) -> None:
        """UTF-8 with a byte order mark (as some editors save it) is read."""
        path = tmp_path / "marked.yaml"
        path.write_bytes(b"\xef\xbb\xbf" + YAML.replace("hostile-", "marked-").encode())
        result = run("append", str(path), "--db", kz)
        assert result.exit_code == 0, result.output

    def test_standard_input_that_is_not_utf_8(self, run: Run, kz: str) -> None:
        """Bytes on standard input are decoded strictly too."""
        text = (json.dumps(REPORT) + "\n").replace("rferl", "rf\xe9rl", 1)
        message = refused(run, kz, "append", "-", stdin=text.encode("latin-1"))
        assert "<stdin>:1: not UTF-8 text (byte 0xe9)" in message


class TestAppendNesting:
    def test_json_nested_100k_deep(self, run: Run, kz: str, tmp_path: Path) -> None:
        """JSON nested 100,000 deep is refused, not a RecursionError."""
        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000 + "]" * 100_000)
        assert f"{path}:1: nested too deeply to read" in refused(run, kz, "append", path)

    def test_a_json_line_nested_100k_deep(self, run: Run, kz: str, tmp_path: Path) -> None:
        """In JSON Lines the deep line is named."""
        path = tmp_path / "deep.jsonl"
        path.write_text(json.dumps(REPORT) + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
        assert f"{path}:2: nested too deeply to read" in refused(run, kz, "append", path)

    def test_yaml_nested_10k_deep(self, run: Run, kz: str, tmp_path: Path) -> None:
        """YAML nested 10,000 deep is refused at the line it goes too deep."""
        path = tmp_path / "deep.yaml"
        path.write_text("- " + "[" * 10_000 + "]" * 10_000 + "\n")
        assert f"{path}:1: nested more than 64 levels deep" in refused(run, kz, "append", path)

    def test_the_billion_laughs(self, run: Run, kz: str, tmp_path: Path) -> None:
        """The 342-byte alias bomb is refused at its first anchor, before any expansion."""
        path = tmp_path / "bomb.yaml"
        path.write_text(BOMB)
        message = refused(run, kz, "append", path)
        assert f"{path}:1: YAML anchors and aliases (&name, *name) are not accepted" in message

    def test_an_alias_is_refused(self, run: Run, kz: str, tmp_path: Path) -> None:
        """Even one alias reusing a value is refused at its line: write the value out."""
        path = tmp_path / "alias.yaml"
        path.write_text(YAML.replace("rferl\n  published", "&who rferl\n  published"))
        assert f"{path}:2: YAML anchors" in refused(run, kz, "append", path)


class TestAppendNumbersAndTimes:
    def test_a_5000_digit_integer_in_json(self, run: Run, kz: str, tmp_path: Path) -> None:
        """An integer past Python's int-string limit is refused at its line."""
        path = tmp_path / "long.json"
        text = json.dumps([REPORT], indent=2).replace('"at least 200"', "9" * 5000)
        path.write_text(text)
        message = refused(run, kz, "append", path)
        assert f"{path}:10: a number of 5000 digits is too long to read (at most 4300)" in message

    def test_a_5000_digit_integer_in_yaml(self, run: Run, kz: str, tmp_path: Path) -> None:
        """The same in YAML."""
        path = tmp_path / "long.yaml"
        path.write_text(YAML.replace("at least 200", "9" * 5000))
        message = refused(run, kz, "append", path)
        assert f"{path}:7: a number of 5000 digits is too long to read" in message

    @pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
    @pytest.mark.parametrize("kind", ["json", "yaml"])
    def test_a_time_past_the_calendar_in_utc(
        self, run: Run, kz: str, tmp_path: Path, moment: str, kind: str
    ) -> None:
        """Year 9999 at −05:00 or year 1 at +05:00 cannot be turned into UTC: refused as
        outside the ledger's window of time, naming the field."""
        path = tmp_path / f"far.{kind}"
        if kind == "json":
            path.write_text(json.dumps([_report(published_at=moment)]))
        else:
            path.write_text(YAML.replace("2022-01-10T09:00:00+06:00", moment))
        message = refused(run, kz, "append", path)
        line = 1 if kind == "json" else 3
        assert f"{path}:{line}: published_at: {moment} is outside the ledger's window" in message

    def test_a_unix_time_is_refused(self, run: Run, kz: str, tmp_path: Path) -> None:
        """An integer published_at is not read as seconds since 1970."""
        path = tmp_path / "unix.jsonl"
        path.write_text(json.dumps(_report(published_at=1641790800)) + "\n")
        message = refused(run, kz, "append", path)
        assert f"{path}:1: published_at: a time is ISO 8601 text with a zone" in message
        assert "not a number: 1641790800" in message


class TestAppendDuplicateKeys:
    def test_in_a_json_document(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A key named twice in a JSON object is refused at the second one's line."""
        text = json.dumps([REPORT], indent=2).replace(
            '"outlet": "rferl",', '"outlet": "rferl",\n    "outlet": "nyt",'
        )
        path = tmp_path / "twice.json"
        path.write_text(text)
        message = refused(run, kz, "append", path)
        assert f"{path}:5: key 'outlet' appears twice in one object" in message

    def test_in_json_lines(self, run: Run, kz: str, tmp_path: Path) -> None:
        """In JSON Lines the line is named."""
        line = json.dumps(REPORT).replace('"outlet": "rferl"', '"outlet": "rferl", "outlet": "x"')
        path = tmp_path / "twice.jsonl"
        path.write_text(json.dumps(_report(report_id="first")) + "\n" + line + "\n")
        assert f"{path}:2: key 'outlet' appears twice" in refused(run, kz, "append", path)

    def test_in_yaml(self, run: Run, kz: str, tmp_path: Path) -> None:
        """In YAML the second key's line is named, even in a nested claim."""
        path = tmp_path / "twice.yaml"
        path.write_text(
            YAML.replace("      origin: rferl\n", "      origin: rferl\n      value: 3\n")
        )
        assert f"{path}:10: key 'value' appears twice" in refused(run, kz, "append", path)


class TestAppendSize:
    def test_a_document_too_large_to_read_whole(
        self, run: Run, kz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A JSON or YAML document over the limit is refused, pointing to JSON Lines."""
        monkeypatch.setattr(report_files, "MAX_DOCUMENT", 100)
        path = tmp_path / "big.yaml"
        path.write_text(YAML)
        message = refused(run, kz, "append", path)
        assert "write it as JSON Lines" in message

    def test_a_line_too_long(
        self, run: Run, kz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A JSON Lines line over the limit is refused at its line."""
        monkeypatch.setattr(report_files, "MAX_LINE", 100)
        path = tmp_path / "long.jsonl"
        path.write_text(json.dumps(REPORT) + "\n")
        assert f"{path}:1: a line longer than" in refused(run, kz, "append", path)


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The lines of an export of the founding case (made once, on SQLite)."""
    url = seed(f"sqlite:///{tmp_path_factory.mktemp('export') / 'kz.db'}")
    with ledger.open(url) as lg:
        return list(export_lines(lg))


class TestImport:
    @pytest.fixture
    def database_url(self, run: Run, database_url: str) -> str:
        """An empty ledger to import into, on each backend."""
        assert run("init", "--db", database_url).exit_code == 0
        return database_url

    def test_a_latin_1_byte(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path
    ) -> None:
        """A byte that is not UTF-8 on line 3 is named with its line."""
        path = tmp_path / "log.jsonl"
        data = "\n".join(lines).encode()
        third = data.index(b"\n", data.index(b"\n") + 1) + 5
        path.write_bytes(data[:third] + b"\xe9" + data[third:])
        message = refused(run, database_url, "import", path)
        assert f"{path}:3: not UTF-8 text (byte 0xe9)" in message

    def test_utf_16(self, run: Run, lines: list[str], database_url: str, tmp_path: Path) -> None:
        """An export saved as UTF-16 is named as such."""
        path = tmp_path / "log.jsonl"
        path.write_text("\n".join(lines), encoding="utf-16")
        assert f"{path}:1: UTF-16 text" in refused(run, database_url, "import", path)

    def test_a_line_nested_100k_deep(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path
    ) -> None:
        """A deep line is refused at its line, not a RecursionError."""
        path = tmp_path / "log.jsonl"
        path.write_text(lines[0] + "\n" + "[" * 100_000 + "]" * 100_000 + "\n")
        message = refused(run, database_url, "import", path)
        assert f"{path}:2: nested too deeply to read" in message

    def test_a_5000_digit_integer(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path
    ) -> None:
        """An endless position is refused at its line."""
        path = tmp_path / "log.jsonl"
        path.write_text(lines[0].replace('"position":1', '"position":' + "1" * 5000) + "\n")
        message = refused(run, database_url, "import", path)
        assert f"{path}:1: a number of 5000 digits is too long to read" in message

    def test_a_position_past_64_bits(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path
    ) -> None:
        """A position no database column holds is refused as a field error."""
        path = tmp_path / "log.jsonl"
        path.write_text(lines[0].replace('"stream_version":1', f'"stream_version":{2**64}') + "\n")
        assert f"{path}:1: stream_version: " in refused(run, database_url, "import", path)

    @pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"])
    def test_a_recorded_time_past_the_calendar(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path, moment: str
    ) -> None:
        """A recorded time that overflows in UTC is refused naming the field."""
        record = json.loads(lines[0])
        record["recorded_at"] = moment
        path = tmp_path / "log.jsonl"
        path.write_text(json.dumps(record) + "\n")
        message = refused(run, database_url, "import", path)
        assert f"{path}:1: recorded_at: {moment} is outside the ledger's window" in message

    def test_a_unix_recorded_time(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path
    ) -> None:
        """An integer recorded_at is not read as seconds since 1970."""
        record = json.loads(lines[0])
        record["recorded_at"] = 1641790800
        path = tmp_path / "log.jsonl"
        path.write_text(json.dumps(record) + "\n")
        assert "recorded_at: a time is ISO 8601 text" in refused(run, database_url, "import", path)

    def test_a_duplicate_key(
        self, run: Run, lines: list[str], database_url: str, tmp_path: Path
    ) -> None:
        """A record naming a key twice is refused at its line."""
        path = tmp_path / "log.jsonl"
        path.write_text(lines[0].replace('{"event_id"', '{"type":"x","event_id"') + "\n")
        message = refused(run, database_url, "import", path)
        assert f"{path}:1: key 'type' appears twice in one object" in message


def _jsonl(path: Path, count: int, start: int) -> Path:
    with path.open("w") as file:
        for n in range(start, start + count):
            claim = {**REPORT["claims"][0], "claim_id": f"bulk-{n}", "value": f"at least {n}"}  # type: ignore[index]
            file.write(json.dumps(_report(report_id=f"bulk-{n}", claims=[claim])) + "\n")
    return path


class TestAppendMemory:
    def test_memory_does_not_grow_with_the_file(self, fresh_kz: str, tmp_path: Path) -> None:
        """JSON Lines is streamed: appending 6,000 reports peaks within 40 MB of appending
        1,000 (reading the file whole grew by 100 MB); the 100,000-report figure is in
        docs/performance.md."""
        small, _ = measure(_jsonl(tmp_path / "small.jsonl", 1000, 0), fresh_kz, CHUNK, tmp_path)
        large, _ = measure(_jsonl(tmp_path / "large.jsonl", 6000, 1000), fresh_kz, CHUNK, tmp_path)
        assert large - small < 40, (small, large)  # MB


class TestAppendChangingFile:
    def test_a_file_that_grows_between_the_passes_is_refused(self, tmp_path: Path) -> None:
        """JSON Lines read a second time with a report more than the first time (someone
        appended to it meanwhile) is refused at the new line, not written half-checked."""
        path = tmp_path / "growing.jsonl"
        path.write_text(json.dumps(REPORT) + "\n")
        source = report_files.open_reports(str(path))
        try:
            assert len(list(source.reports())) == 1
            with path.open("a") as file:
                file.write(json.dumps(_report(report_id="late")) + "\n")
            with pytest.raises(
                ledger.InvalidInputError, match=r"growing.jsonl:2: the file changed"
            ):
                list(source.reports())
        finally:
            source.close()
