"""SPEC §12: every bench run's JSON line is kept in ``bench/results.jsonl`` (append-only),
with when, which commit and how loaded the machine was; ``bench/README.md``'s table links
each figure of record to its line there. ``bench.common.record`` is the one place that
writes it, and every bench script calls it (so none forgets to)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.common import RESULTS, record

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
LINE_KEYS = {"bench", "date", "commit", "load_avg_1m", "cores", "argv", "result"}
# Which script's line may be the figure of record of which SPEC §12 target.
BENCH_OF_TARGET = {
    "P1": "distribution", "P2": "distribution", "P3": "timers", "P4": "import", "P5": "admin",
    "P6": "dashboard", "P7": "inbound", "P8": "live", "P9": "inbound_whatsapp_cloud", "R5": "schemathesis", "R6": "soak",
}  # fmt: skip


def _scripts() -> list[Path]:
    """The bench scripts: the files of bench/ that run as a program."""
    return sorted(p for p in BENCH.glob("*.py") if 'if __name__ == "__main__"' in p.read_text(encoding="utf-8"))


def test_record_appends_one_well_formed_line_with_date_commit_load_and_cores(tmp_path, capsys):
    results = tmp_path / "results.jsonl"
    results.write_text('{"bench": "earlier", "result": {"a": 1}}\n{"bench": "earlier", "result": {"a": 2}}\n')
    figures = {"assignments_per_s": 1087, "ratio": 2.06, "pass": {"all": True}}

    number = record(figures, bench="distribution", path=results)

    lines = results.read_text(encoding="utf-8").splitlines()
    assert number == 3
    assert len(lines) == 3
    assert lines[:2] == ['{"bench": "earlier", "result": {"a": 1}}', '{"bench": "earlier", "result": {"a": 2}}']
    line = json.loads(lines[2])
    assert set(line) == LINE_KEYS
    assert line["bench"] == "distribution"
    assert line["result"] == figures
    when = datetime.strptime(line["date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - when) < timedelta(minutes=5)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    assert line["commit"] in (head, f"{head}+dirty")
    assert isinstance(line["load_avg_1m"], float) and line["load_avg_1m"] >= 0  # none in the figures: now's
    assert line["cores"] == os.cpu_count()
    assert isinstance(line["argv"], list)
    # The run's own JSON line is still printed on stdout, as the scripts always did.
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == figures


def test_record_gives_the_load_average_the_run_measured_at_its_start(tmp_path):
    results = tmp_path / "results.jsonl"

    record({"load_avg_1m_at_start": 0.42, "load_avg_1m_at_end": 3.8, "fired_per_s": 5142}, bench="timers", path=results)

    assert json.loads(results.read_text(encoding="utf-8"))["load_avg_1m"] == 0.42


def test_record_creates_the_file_when_there_is_none_yet(tmp_path):
    results = tmp_path / "results.jsonl"

    assert record({"fired_per_s": 5142}, bench="timers", path=results) == 1

    assert json.loads(results.read_text(encoding="utf-8"))["result"] == {"fired_per_s": 5142}


def test_record_writes_to_the_file_named_by_bench_results(tmp_path, monkeypatch):
    results = tmp_path / "smoke.jsonl"
    monkeypatch.setenv("BENCH_RESULTS", str(results))

    assert record({"rows_per_s": 20161}, bench="import") == 1

    assert json.loads(results.read_text(encoding="utf-8"))["bench"] == "import"


def test_record_of_a_run_that_measured_nothing_writes_no_line(tmp_path):
    results = tmp_path / "results.jsonl"

    assert record({}, bench="live", path=results) is None

    assert not results.exists()


@pytest.mark.parametrize("script", _scripts(), ids=lambda p: p.name)
def test_every_bench_script_records_its_run(script):
    tree = ast.parse(script.read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "bench.common"
        for alias in node.names
    }
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "record"
    ]
    assert "record" in imported, f"{script.name} does not import bench.common.record"
    assert calls, f"{script.name} never calls record()"
    assert all(any(k.arg == "bench" for k in call.keywords) for call in calls), f"{script.name}: record(…, bench=…)"


def test_the_bench_scripts_are_the_ones_this_test_knows():
    # A new script is picked up by the test above; this says the list is not empty by mistake.
    names = {p.name for p in _scripts()}
    assert {"distribution.py", "timers.py", "import.py", "inbound.py", "admin.py", "dashboard.py", "live.py",
            "soak.py"} <= names  # fmt: skip


def test_every_line_of_bench_results_is_well_formed():
    lines = RESULTS.read_text(encoding="utf-8").splitlines()
    assert lines, "bench/results.jsonl holds no run"
    for number, text in enumerate(lines, start=1):
        line = json.loads(text)
        assert set(line) >= LINE_KEYS, f"results.jsonl#L{number} lacks {LINE_KEYS - set(line)}"
        # A line seeded from the README may give the day only, or the minute, as the README did.
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z)?", line["date"]), f"#L{number}: {line['date']}"
        assert isinstance(line["result"], dict) and line["result"], f"results.jsonl#L{number} has no figures"


def _record_table() -> list[list[str]]:
    """The rows of bench/README.md's first section, the table of figures of record."""
    readme = (BENCH / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## ", 2)[1]
    assert section.startswith("Figures of record"), "bench/README.md does not start with its figures of record"
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]  # the header left out


def test_the_readme_table_lists_every_spec_target_with_a_linked_figure_or_not_measured():
    rows = _record_table()
    targets = {row[0] for row in rows}
    assert targets == {f"P{n}" for n in range(1, 12)} | {f"R{n}" for n in range(1, 11)}
    for row in rows:
        linked = re.search(r"results\.jsonl#L\d+", row[-1])
        assert linked or row[2] == "not measured", f"{row[0]}: neither a linked figure nor 'not measured'"


def test_each_figure_of_record_in_the_readme_links_to_an_existing_line_of_its_bench():
    lines = RESULTS.read_text(encoding="utf-8").splitlines()
    links = [(row[0], int(number)) for row in _record_table() for number in re.findall(r"#L(\d+)\)", row[-1])]
    assert links, "bench/README.md's table links no line of results.jsonl"
    for target, number in links:
        assert 1 <= number <= len(lines), f"{target} links results.jsonl#L{number}, which does not exist"
        line = json.loads(lines[number - 1])
        assert line["bench"] == BENCH_OF_TARGET[target], f"{target} links #L{number}, a line of {line['bench']}"
        # The table's load average is the line's.
        load = next(cell for cell in _record_table() if cell[0] == target and f"#L{number})" in cell[-1])[-2]
        assert load == ("not given" if line["load_avg_1m"] is None else str(line["load_avg_1m"])), (target, load)


def test_no_bench_script_shadows_a_standard_library_module():
    """Scripts run with bench/ first on sys.path: ``bench/email.py`` hid the ``email`` package."""
    import sys
    from pathlib import Path

    scripts = {path.stem for path in (Path(__file__).resolve().parents[2] / "bench").glob("*.py")}
    assert not scripts & set(sys.stdlib_module_names), sorted(scripts & set(sys.stdlib_module_names))
