"""No traceback for any scenario input: a corpus of bad files and overrides, each refused at load
by the CLI with exit code 2 and one stderr line naming the field, plus edge cases that must load
and run to the end."""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path

import pytest

from experiments.cli import main
from model.market import GpuMarket
from model.params import ParamInfo, ScenarioError, walk
from model.scenario import MAX_BASES, load_scenario, scenario_names

A = '[[firms]]\nname = "A"\n'


def firm(extra: str = "", name: str = "A") -> str:
    """One firm table named `name` with extra TOML lines."""
    return f'[[firms]]\nname = "{name}"\n{extra}\n'


def firms(n: int, extra: str = "") -> str:
    """`n` firms named F0, F1, ... with the same extra lines."""
    return "".join(firm(extra, f"F{i}") for i in range(n))


def nested(depth: int) -> str:
    """An array nested `depth` levels deep."""
    return "a = " + "[" * depth + "]" * depth + "\n"


OWNER = '[owner]\nfirms = ["A", "B"]\npolicy = "{policy}"\n{extra}\n'
TWO = A + firm(name="B")


def owner(extra: str = "", policy: str = "priority") -> str:
    """An owner of firms A and B, with both firms."""
    return OWNER.format(policy=policy, extra=extra) + TWO


# (id, file content (str: UTF-8 text, bytes: raw), field or file named, phrase in the message)
FILE_CASES: list[tuple[str, str | bytes, str, str]] = [
    # --- not text, not TOML, not a file ---------------------------------------------------------
    ("binary", bytes(range(256)) * 4, "s.toml", "not UTF-8 text (byte 0x80 at offset 128)"),
    ("utf16-le", ("weeks = 5\n" + A).encode("utf-16"), "s.toml", "is UTF-16 text"),
    ("utf16-be", b"\xfe\xff" + A.encode("utf-16-be"), "s.toml", "is UTF-16 text"),
    ("utf32", A.encode("utf-32"), "s.toml", "is UTF-32 text"),
    ("latin1", 'name = "Café"\n'.encode("latin-1") + A.encode(), "s.toml", "byte 0xe9"),
    ("nul", b"weeks = 5\x00\n" + A.encode(), "s.toml", "contains NUL bytes"),
    ("empty", b"", "s.toml", "the file is empty"),
    ("blank", "  \n\t\n", "s.toml", "the file is empty"),
    ("comments", "# nothing\n# here\n", "s.toml", "empty (only comments)"),
    ("bad-toml", "weeks = [\n", "s.toml", "not valid TOML"),
    ("dup-key", "weeks = 1\nweeks = 2\n" + A, "s.toml", "not valid TOML"),
    ("long-int", "weeks = " + "9" * 5000 + "\n", "s.toml", "not valid TOML"),
    ("deep-array", nested(10_000), "s.toml", "nested too deeply to read"),
    ("deep-inline", "a = " + "{b = " * 10_000 + "1" + "}" * 10_000, "s.toml", "too deeply"),
    ("deep-table", "[" + ".".join(["a"] * 10_000) + "]\n", "s.toml", "more than 8 levels deep"),
    ("deep-20", nested(20), "s.toml", "more than 8 levels deep"),
    ("firms-table", '[firms]\nname = "A"\n', "firms", "expected a list, got {'name': 'A'}"),
    ("firm-not-table", "firms = [1]\n", "firms[0]", "expected a table, got 1"),
    # --- keys and types ----------------------------------------------------------------------
    ("unknown-top", "bogus = 1\n" + A, "bogus", "unknown key (valid keys: name, description"),
    ("unknown-firm", firm("bogus = 1"), "firms.A.bogus", "unknown key (valid keys: name, tier"),
    ("unknown-section", "[suply]\nscale = 1\n" + A, "suply", "unknown key"),
    ("weeks-str", 'weeks = "ten"\n' + A, "weeks", "expected an integer, got 'ten'"),
    ("weeks-frac", "weeks = 1.5\n" + A, "weeks", "expected an integer, got 1.5"),
    ("weeks-bool", "weeks = true\n" + A, "weeks", "expected an integer, got True"),
    ("weeks-0", "weeks = 0\n" + A, "weeks", "0 is below the minimum 1"),
    ("weeks-1041", "weeks = 1041\n" + A, "weeks", "1041 is above the maximum 1,040"),
    ("seed-neg", "seed = -1\n" + A, "seed", "-1 is below the minimum 0"),
    ("bool-str", '[market]\nreadiness_cap = "yes"\n' + A, "market.readiness_cap", "true or false"),
    ("mechanism", '[market]\nmechanism = "lottery"\n' + A, "market.mechanism", "is not one of"),
    ("ordering", firm('ordering = "greedy"'), "firms.A.ordering", "'greedy' is not one of"),
    ("tier-10", firm("tier = 10"), "firms.A.tier", "10 is above the maximum 9"),
    ("slots-2e70", firm(f"slots = {2**70}"), "firms.A.slots", "is above the maximum 100,000,000"),
    ("slots-inf", firm("slots = inf"), "firms.A.slots", "expected an integer, got inf"),
    ("slots-nan", firm("slots = nan"), "firms.A.slots", "expected an integer, got nan"),
    ("toml-date", "start_date = 2023-10-02\n" + A, "start_date", "expected a string"),
    ("description-long", f'description = "{"x" * 10_001}"\n' + A, "description", "10,000"),
    # --- names -------------------------------------------------------------------------------
    ("name-missing", "[[firms]]\ntier = 1\n", "firms[0].name", "required field is missing"),
    ("name-int", "[[firms]]\nname = 5\n", "firms[0].name", "expected a string, got 5"),
    ("name-empty", '[[firms]]\nname = ""\n', "firms[0].name", "the name is empty"),
    ("name-blank", '[[firms]]\nname = "   "\n', "firms[0].name", "the name is empty"),
    ("name-bell", '[[firms]]\nname = "A\\u0007"\n', "firms.'A\\x07'", "control character"),
    ("name-newline", '[[firms]]\nname = "A\\nB"\n', "firms[0].name", "invisible characters"),
    ("name-zero-width", '[[firms]]\nname = "A\\u200b"\n', "firms[0].name", "invisible"),
    ("name-outer-space", '[[firms]]\nname = " A"\n', "firms[0].name", "outer spaces"),
    ("name-101", firm(name="N" * 101), "firms[0].name", "101 characters, more than the limit"),
    (
        "name-tail",
        firm(name="Small-00001") + "[long_tail]\ncount = 3\n",
        "firms[0].name",
        "reserved for the long tail",
    ),
    (
        "name-tail-row",
        firm(name="long tail (3 buyers)") + "[long_tail]\ncount = 3\n",
        "firms[0].name",
        "reserved for the long tail",
    ),
    ("duplicate", A + A, "firms", "duplicate firm names: A"),
    ("no-buyers", "weeks = 5\n", "firms", "needs at least one firm or a long tail"),
    ("no-buyers-empty-list", "firms = []\n", "firms", "needs at least one firm"),
    ("color", firm('color = "red"'), "firms.A.color", "'red' is not #rrggbb"),
    # --- numbers that would overflow the run ---------------------------------------------------
    ("budget-inf", firm("budget_usd = inf"), "firms.A.budget_usd", "inf is not allowed"),
    ("budget-nan", firm("budget_usd = nan"), "firms.A.budget_usd", "nan is not allowed"),
    ("budget-1e16", firm("budget_usd = 1e16"), "firms.A.budget_usd", "above the maximum 1e+15"),
    (
        "max-price-inf-auction",
        '[market]\nmechanism = "auction"\n' + firm("max_price_usd = inf"),
        "firms.A.max_price_usd",
        "inf is not allowed",
    ),
    (
        "max-price-1e300",
        firm("max_price_usd = 1e300"),
        "firms.A.max_price_usd",
        "1e+300 is above the maximum 10,000,000",
    ),
    ("value-inf", firm("value_usd = inf"), "firms.A.value_usd", "inf is not allowed"),
    ("value-neg", firm("value_usd = -1"), "firms.A.value_usd", "-1 is below the minimum 0"),
    ("statement-1e23", firm("statement = 1e23"), "firms.A.statement", "1e+23 is above"),
    ("statement-neg", firm("statement = -5"), "firms.A.statement", "-5 is below the minimum 0"),
    ("patience-nan", firm("patience = nan"), "firms.A.patience", "nan is not allowed"),
    ("patience-0", firm("patience = 0"), "firms.A.patience", "0 is below the minimum 0.001"),
    ("inflation-0", firm("inflation = 0.5"), "firms.A.inflation", "below the minimum 1"),
    ("growth-minf", "[supply]\ngrowth_weekly = -inf\n" + A, "supply.growth_weekly", "-inf"),
    ("scale-nan", "[supply]\nscale = nan\n" + A, "supply.scale", "nan is not allowed"),
    ("scale-inf", "[supply]\nscale = inf\n" + A, "supply.scale", "inf is not allowed"),
    ("scale-neg", "[supply]\nscale = -1\n" + A, "supply.scale", "-1 is below the minimum 0"),
    (
        "need-max-1e20",
        A + "[long_tail]\ncount = 10\nneed_max = 1e20\n",
        "long_tail.need_max",
        "1e+20 is above the maximum 100,000,000",
    ),
    (
        "need-min-above-max",
        A + "[long_tail]\ncount = 10\nneed_min = 10\nneed_max = 5\n",
        "long_tail.need_min",
        "10 is above need_max 5",
    ),
    (
        "weekly-x-scale",
        "weeks = 52\n[supply]\ninitial_weekly = 10_000_000\nmax_weekly = 50_000_000\n"
        "growth_weekly = 0\nscale = 10\n" + A,
        "supply",
        "the output over the run is 5,300,000,000 units (scale 10), above the limit",
    ),
    (
        "ramp-to-max",
        "[supply]\ninitial_weekly = 10_000_000\ngrowth_weekly = 0.2\nmax_weekly = 50_000_000\n" + A,
        "supply",
        "the output over the run is",
    ),
    (
        "schedule-x-scale",
        'weeks = 10\n[supply]\nscale = 10\nschedule = [["2023-10-02", 50_000_000]]\n' + A,
        "supply",
        "the output over the run is 5,500,000,000 units",
    ),
    ("schedule-neg", '[supply]\nschedule = [["2024-01-01", -5]]\n' + A, "schedule[0][1]", "-5"),
    (
        "schedule-big",
        '[supply]\nschedule = [["2024-01-01", 60_000_000]]\n' + A,
        "supply.schedule[0][1]",
        "above the maximum 50,000,000",
    ),
    ("schedule-date", '[supply]\nschedule = [["2024-13-01", 5]]\n' + A, "schedule[0]", "a date"),
    ("schedule-pair", '[supply]\nschedule = [["2024-01-01"]]\n' + A, "schedule[0]", "2 items"),
    ("schedule-flat", '[supply]\nschedule = ["2024-01-01", 5]\n' + A, "schedule[0]", "a list"),
    (
        "schedule-10001",
        "[supply]\nschedule = [" + '["2024-01-01", 1],' * 10_001 + "]\n" + A,
        "supply.schedule",
        "10,001 items, more than the limit of 10,000",
    ),
    ("target-neg", firm('targets = [["2024-01-01", -5]]'), "targets[0][1]", "-5 is below"),
    (
        "target-x-inflation",
        firm(
            'targets = [["2024-06-01", 500_000_000]]\nafter_targets = "hold"\n'
            'ordering = "fixed"\ninflation = 20'
        ),
        "firms.A.targets",
        "peak target 500,000,000 (its trend included) x inflation 20 is above the limit",
    ),
    (
        "targets-summed",
        firms(3, 'targets = [["2024-06-01", 1_000_000_000]]'),
        "firms",
        "the targets summed over all buyers is 3,000,000,000",
    ),
    (
        "installed-summed",
        firms(25, "installed = 100_000_000\nslots = 100_000_000"),
        "firms",
        "the installed summed over all buyers is 2,500,000,000",
    ),
    (
        "tail-summed",
        A + "[long_tail]\ncount = 100\nneed_min = 0\nneed_max = 50_000_000\n",
        "firms",
        "the targets summed over all buyers is 5,000,000,000",
    ),
    (
        "slots-plus-expansions",
        firm("slots = 100_000_000\nexpansions = [" + '["2024-01-01", 100_000_000],' * 25 + "]"),
        "firms.A.expansions",
        "slots plus expansions is 2,600,000,000",
    ),
    # --- impossible worlds ----------------------------------------------------------------------
    ("expansion-neg", firm('expansions = [["2024-01-01", -5000]]'), "expansions[0][1]", "-5000"),
    (
        "expansion-before-start",
        firm('expansions = [["2023-01-01", 5000]]'),
        "firms.A.expansions[0]",
        "2023-01-01 is before start_date 2023-10-02",
    ),
    (
        "target-before-start",
        firm('targets = [["2023-09-30", 5000]]'),
        "firms.A.targets[0]",
        "2023-09-30 is before start_date 2023-10-02",
    ),
    ("target-date", firm('targets = [["2024-13-01", 5]]'), "firms.A.targets[0]", "not a date"),
    (
        "installed-above-slots",
        firm("installed = 5000\nslots = 10"),
        "firms.A.installed",
        "5,000 is above its slots 10",
    ),
    (
        "statement-before-start",
        firm('statement = 10\nstatement_date = "2020-01-01"'),
        "firms.A.statement_date",
        "is before start_date",
    ),
    (
        "statement-date",
        firm('statement = 10\nstatement_date = "2023-02-30"'),
        "firms.A.statement_date",
        "'2023-02-30' is not a date",
    ),
    (
        "statement-made",
        firm('statement = 10\nstatement_made = "2024-02-30"'),
        "firms.A.statement_made",
        "'2024-02-30' is not a date",
    ),
    (
        "trend-overflows",
        firm(
            'targets = [["2024-01-01", 1_000], ["2024-01-08", 100_000_000]]\n'
            'ordering = "adaptive"\ninflation = 20'
        ),
        "firms.A.targets",
        "peak target 1,000,000,000 (its trend included) x inflation 20 is above the limit",
    ),
    (
        "action-unknown-firm",
        owner('actions = [{date = "2024-01-01", from_firm = "A", to_firm = "Z", units = 5}]'),
        "owner.actions[0].to_firm",
        "'Z' is not a firm (firms: A, B)",
    ),
    (
        "action-same-firm",
        owner('actions = [{date = "2024-01-01", from_firm = "A", to_firm = "A", units = 5}]'),
        "owner.actions[0].to_firm",
        "'A' is also the from_firm",
    ),
    (
        "action-late",
        owner('actions = [{date = "2030-01-01", from_firm = "A", to_firm = "B", units = 5}]'),
        "owner.actions[0].date",
        "2030-01-01 is outside the run, which covers 2023-10-02",
    ),
    (
        "action-swap-date",
        owner(
            'actions = [{date = "2024-01-01", from_firm = "A", to_firm = "B", units = 5, '
            'swap = [["2024-02-31", 5]]}]'
        ),
        "owner.actions[0].swap[0]",
        "'2024-02-31' is not a date",
    ),
    ("weights-inf", owner("weights = [inf, 1]", "weights"), "owner.weights[0]", "inf is not"),
    ("weights-neg", owner("weights = [-1, 1]", "weights"), "owner.weights[0]", "-1 is below"),
    ("weights-zero", owner("weights = [0, 0]", "weights"), "owner.weights", "all zero"),
    ("weights-count", owner("weights = [1]", "weights"), "owner.weights", "one weight per"),
    (
        "weights-big",
        owner("weights = [1e7, 1]", "weights"),
        "owner.weights[0]",
        "above the maximum 1,000,000",
    ),
    (
        "owner-unknown",
        '[owner]\nfirms = ["Z"]\n' + A,
        "owner.firms",
        "'Z' is not a firm (firms: A)",
    ),
    (
        "owner-twice",
        '[owner]\nfirms = ["A", "A", "B"]\n' + TWO,
        "owner.firms",
        "a firm is listed twice",
    ),
    ("owner-priority", owner('priority = ["A"]'), "owner.priority", "exactly the owner's firms"),
    (
        "owner-one-firm",
        '[owner]\nfirms = ["A"]\npolicy = "priority"\n' + A,
        "owner.policy",
        "'priority' needs at least two owner firms",
    ),
    ("owner-long-tail", owner('name = "long tail"'), "owner.name", "reserved for the long tail"),
    ("owner-empty-name", owner('name = ""'), "owner.name", "the name is empty"),
    (
        "owner-start-late",
        owner('start = "2030-01-01"'),
        "owner.start",
        "is after the run, which covers 2023-10-02 to 2025-09-28 (104 weeks)",
    ),
    ("owner-end-early", owner('end = "2020-01-01"'), "owner.end", "the owner would never act"),
    (
        "owner-start-after-end",
        owner('start = "2024-06-01"\nend = "2024-01-01"'),
        "owner.start",
        "2024-06-01 is after owner.end 2024-01-01",
    ),
    ("owner-min-units", owner("min_units = 1e10"), "owner.min_units", "above the maximum"),
    (
        "shock-late",
        '[supply]\nshocks = [{start = "2099-01-01"}]\n' + A,
        "supply.shocks[0].start",
        "2099-01-01 is outside the run, which covers 2023-10-02 to 2025-09-28 (104 weeks)",
    ),
    (
        "shock-early",
        '[supply]\nshocks = [{start = "2023-01-01"}]\n' + A,
        "supply.shocks[0].start",
        "outside the run",
    ),
    (
        "shock-format",
        '[supply]\nshocks = [{start = "2024/02/05"}]\n' + A,
        "supply.shocks[0].start",
        "'2024/02/05' is not a date (YYYY-MM-DD)",
    ),
    ("shock-no-start", "[supply]\nshocks = [{weeks = 2}]\n" + A, "start", "required field"),
    (
        "shock-factor",
        '[supply]\nshocks = [{start = "2024-01-01", factor = 2}]\n' + A,
        "supply.shocks[0].factor",
        "2 is above the maximum 1",
    ),
    (
        "shock-weeks",
        '[supply]\nshocks = [{start = "2024-01-01", weeks = 0}]\n' + A,
        "supply.shocks[0].weeks",
        "0 is below the minimum 1",
    ),
    (
        "shocks-1001",
        "[supply]\nshocks = [" + '{start = "2024-01-01"},' * 1001 + "]\n" + A,
        "supply.shocks",
        "1,001 items, more than the limit of 1,000",
    ),
    (
        "start-9999",
        'start_date = "9999-12-31"\n' + A,
        "start_date",
        "9999-12-31 is outside 1900-01-01 to 2199-12-31",
    ),
    ("start-0001", 'start_date = "0001-01-01"\n' + A, "start_date", "is outside 1900-01-01"),
    ("start-feb-30", 'start_date = "2023-02-30"\n' + A, "start_date", "not a date"),
    ("start-compact", 'start_date = "20231002"\n' + A, "start_date", "not a date (YYYY-MM-DD)"),
    ("start-week", 'start_date = "2023-W40-1"\n' + A, "start_date", "not a date"),
    (
        "swap-above-accept",
        "[supplier]\nswap_above_trust = 0.9\naccept_above_trust = 0.5\n" + A,
        "supplier.swap_above_trust",
        "0.9 is above accept_above_trust 0.5",
    ),
    # --- resource bombs -------------------------------------------------------------------------
    (
        "tail-memory",
        "weeks = 1040\n[long_tail]\ncount = 100_000\n",
        "long_tail.count",
        "above the limit of 20,000,000",
    ),
    (
        "firm-weeks",
        "weeks = 1040\n" + firms(3_000),
        "firms",
        "3,000 named firms over 1,040 weeks is 3,120,000 firm-weeks, above the limit of 2,100,000",
    ),
    (
        "firms-20001",
        "".join(f'[[firms]]\nname = "F{i}"\n' for i in range(20_001)),
        "firms",
        "20,001 items, more than the limit of 20,000",
    ),
    (
        "targets-10001",
        firm("targets = [" + '["2024-01-01", 1],' * 10_001 + "]"),
        "firms.A.targets",
        "10,001 items",
    ),
]

# (id, --set arguments on the baseline, field named, phrase in the message)
SET_CASES: list[tuple[str, list[str], str, str]] = [
    ("set-unknown", ["supply.bogus=1"], "supply.bogus", "valid keys: schedule, scale"),
    ("set-unknown-top", ["bogus=1"], "bogus", "unknown key 'bogus' in the scenario"),
    ("set-nobody", ["firms.Nobody.slots=5"], "firms.Nobody.slots", "(known: Microsoft, Meta"),
    ("set-index", ["firms.99.slots=5"], "firms.99.slots", "no item '99' in firms"),
    ("set-into-value", ["market.mechanism.x=1"], "market.mechanism", "is a value, not a table"),
    ("set-empty-part", ["a..b=1"], "a..b", "empty part in the key"),
    ("set-negative", ["firms.Tesla.slots=-5"], "firms.Tesla.slots", "-5 is below the minimum 0"),
    ("set-table-nan", ["supply={scale=nan}"], "supply.scale", "nan is not allowed"),
    ("set-table-bogus", ["supply={bogus=1}"], "supply.bogus", "unknown key"),
    ("set-weeks-inf", ["weeks=inf"], "weeks", "expected an integer, got inf"),
    ("set-budget-inf", ["firms.Tesla.budget_usd=inf"], "firms.Tesla.budget_usd", "inf"),
    ("set-scale-1e400", ["supply.scale=1e400"], "supply.scale", "inf is not allowed"),
    ("set-weights", ["owner.weights=[1, 0, inf]"], "owner.weights[2]", "inf is not allowed"),
    ("set-shock", ['supply.shocks=[{start="2030-01-01"}]'], "supply.shocks[0].start", "outside"),
    ("set-list-item", ["firms.Tesla.targets.0=5"], "firms.Tesla.targets.0", "a list item"),
    ("set-owner-name", ['owner.name="long tail"'], "owner.name", "reserved for the long tail"),
    ("set-weeks-short", ["weeks=0"], "weeks", "0 is below the minimum 1"),
]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """The CLI in-process: its exit code and its stderr lines."""
    code = main(args)
    err = capsys.readouterr().err
    return code, err.splitlines()


def assert_refused(code: int, lines: list[str], field: str, phrase: str) -> None:
    """Exit 2, one short stderr line with the field and the phrase, no traceback."""
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    assert field in lines[0] and phrase in lines[0], lines[0]
    assert len(lines[0]) < 400, lines[0]  # never the whole file or a huge value


def cases(table: list[tuple]) -> list:
    """A case table as pytest parameters, each with its id."""
    return [pytest.param(*row[1:], id=row[0]) for row in table]


@pytest.mark.parametrize(("content", "field", "phrase"), cases(FILE_CASES))
def test_bad_scenario_file_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes,
    field: str,
    phrase: str,
) -> None:
    path = tmp_path / "s.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, lines = run_cli(["run", "--scenario", str(path), "--out", str(tmp_path / "o")], capsys)
    assert_refused(code, lines, field, phrase)
    assert lines[0].startswith(f"gpu-alloc: error: {path}")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("sets", "field", "phrase"), cases(SET_CASES))
def test_bad_override_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sets: list[str], field: str, phrase: str
) -> None:
    args = ["run", "--scenario", "baseline", "--out", str(tmp_path / "o")]
    code, lines = run_cli(args + [a for s in sets for a in ("--set", s)], capsys)
    assert_refused(code, lines, field, phrase)


def base_files(tmp_path: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative name -> text) under tmp_path; returns the folder."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


BASE_CASES: list[tuple[str, dict[str, str], str, str]] = [
    ("self", {"s.toml": 'base = "s.toml"\n'}, "base", "the bases loop: "),
    (
        "two",
        {"s.toml": 'base = "t.toml"\n', "t.toml": 'base = "s.toml"\n'},
        "base",
        "s.toml -> ",
    ),
    ("missing", {"s.toml": 'base = "nowhere.toml"\n'}, "base", "is not a built-in scenario"),
    ("not-a-name", {"s.toml": "base = 5\n"}, "base", "expected a scenario name or file, got 5"),
    ("blank", {"s.toml": 'base = ""\n'}, "base", "expected a scenario name or file"),
    ("directory", {"s.toml": 'base = "d"\n', "d/x.toml": A}, "d", "is a directory"),
    ("binary", {"s.toml": 'base = "b.toml"\n'}, "b.toml", "not UTF-8 text"),
    (
        "chain",
        {"s.toml": 'base = "c0.toml"\n'}
        | {f"c{i}.toml": f'base = "c{i + 1}.toml"\n' for i in range(MAX_BASES + 1)},
        "base",
        f"more than {MAX_BASES} files in a chain of bases",
    ),
]


@pytest.mark.parametrize(("files", "field", "phrase"), cases(BASE_CASES))
def test_bad_base_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict, field: str, phrase: str
) -> None:
    folder = base_files(tmp_path, files)
    (folder / "b.toml").write_bytes(b"\x80\x81garbage")
    args = ["run", "--scenario", str(folder / "s.toml"), "--out", str(tmp_path / "o")]
    code, lines = run_cli(args, capsys)
    assert_refused(code, lines, field, phrase)


def test_a_huge_file_is_refused_with_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(A.encode() + b"# padding\n" * 1_000_001)  # 10,000,010 bytes of comments
    code, lines = run_cli(["run", "--scenario", str(path), "--out", str(tmp_path / "o")], capsys)
    assert_refused(code, lines, "s.toml", "larger than the limit of 10 MB for a scenario file")


@pytest.mark.parametrize(
    ("ref", "phrase"),
    [
        pytest.param(".", "is a directory, not a scenario file", id="directory"),
        pytest.param("/dev/null", "is not a regular file", id="device"),
        pytest.param("missing.toml", "no such scenario file or built-in scenario", id="missing"),
        pytest.param("x" * 5000, "cannot open the scenario (File name too long)", id="long"),
    ],
)
def test_a_scenario_that_is_not_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str, phrase: str
) -> None:
    code, lines = run_cli(["run", "--scenario", ref, "--out", str(tmp_path / "o")], capsys)
    assert_refused(code, lines, ref[:20], phrase)


def test_the_corpus_has_at_least_100_cases() -> None:
    assert len(FILE_CASES) + len(SET_CASES) + len(BASE_CASES) + len(PY_CASES) >= 100


# --- overrides from Python: values the CLI cannot even spell --------------------------------------


class Opaque:
    """A value of no scenario type, with a long repr."""

    def __repr__(self) -> str:
        return "Opaque(" + "x" * 500 + ")"


PY_CASES: list[tuple[str, object, str, str]] = [
    ("not-a-dict", ["weeks=5"], "overrides", "expected a dict of dotted keys"),
    ("key-not-str", {1: 2}, "override 1", "keys are dotted strings"),
    ("none", {"weeks": None}, "weeks", "expected an integer, got None"),
    ("nan", {"supply.scale": math.nan}, "supply.scale", "nan is not allowed"),
    ("huge-int", {"weeks": 10**5000}, "weeks", "an integer of about 5,001 digits"),
    ("opaque", {"weeks": Opaque()}, "weeks", "Opaque(xxxxxxxx"),
    ("surrogate", {"firms.Tesla.name": "\ud800"}, "name", "control character"),
    ("deep", {"supply.schedule": [[[[[[[[[[1]]]]]]]]]]}, "supply.schedule", "nested more than 8"),
    ("long-list", {"firms.Tesla.targets": [["2024-01-01", 1]] * 20_000}, "targets", "20,000"),
    ("tuple-key", {("a",): 1}, "override ('a',)", "keys are dotted strings"),
]


@pytest.mark.parametrize(("overrides", "field", "phrase"), cases(PY_CASES))
def test_bad_python_overrides_raise_scenario_error(overrides: object, field: str, phrase: str):
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", overrides)  # type: ignore[arg-type]
    message = str(err.value)
    assert field in message and phrase in message, message
    assert "\n" not in message and len(message) < 400, message


# --- edge cases that must be accepted and run to the end --------------------------------------


GOOD: list[tuple[str, str | bytes, list[str], int]] = [
    ("zero-supply", "weeks = 8\n[supply]\ninitial_weekly = 0\n" + A, [], 8),
    ("one-firm-one-week", "weeks = 1\n" + A, [], 1),
    ("tail-only", "weeks = 4\n[long_tail]\ncount = 50\n", [], 4),
    ("unicode", "weeks = 3\n" + firm(name="Ünïcødé 株式会社 🚀"), [], 3),
    ("utf8-bom", b"\xef\xbb\xbfweeks = 2\n" + A.encode(), [], 2),
    ("installed-equals-slots", "weeks = 2\n" + firm("installed = 10\nslots = 10"), [], 2),
    ("target-after-end", "weeks = 2\n" + firm('targets = [["2030-01-01", 9]]'), [], 2),
    ("leap-day", "weeks = 30\n" + firm('targets = [["2024-02-29", 900]]'), [], 30),
    ("set-table-merges", "weeks = 3\n" + A, ["supply={scale=2}"], 3),
    (
        "output-at-the-limit",
        "weeks = 20\n[supply]\ngrowth_weekly = 0\nscale = 10\ninitial_weekly = 10_000_000\n"
        "max_weekly = 50_000_000\n"  # 21 weeks of 100,000,000: 2,100,000,000 units in all
        + firm('targets = [["2024-01-01", 1_000_000_000]]'),
        [],
        20,
    ),
    (
        "auction-at-the-price-limits",
        'weeks = 3\n[market]\nmechanism = "auction"\nlist_price_usd = 1e6\n'
        + firm("max_price_usd = 1e7\nbudget_usd = 1e15\nvalue_usd = 1e7"),
        [],
        3,
    ),
]


@pytest.mark.parametrize(("content", "sets", "weeks"), cases(GOOD))
def test_edge_cases_load_and_run_to_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, sets: list, weeks: int
) -> None:
    path = tmp_path / "s.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    args = ["run", "--scenario", str(path), "--out", str(tmp_path / "o")]
    assert main(args + [a for s in sets for a in ("--set", s)]) == 0, capsys.readouterr().err
    model = (tmp_path / "o" / "model.csv").read_text().splitlines()
    assert len(model) == 1 + weeks  # a header and one row per week: the run reached its end


def test_a_table_override_merges_into_the_table() -> None:
    s = load_scenario("baseline", {"supply": {"scale": 2}})
    base = load_scenario("baseline")
    assert s.supply.scale == 2.0
    assert s.supply == dataclasses.replace(base.supply, scale=2.0)  # nothing else was reset


def test_base_resolves_against_the_including_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_files(
        tmp_path,
        {
            "parent.toml": 'name = "parent"\n' + firm("slots = 7", "P"),
            "sub/child.toml": 'base = "../parent.toml"\nname = "child"\n',
            "sub/grand.toml": 'base = "child.toml"\n' + firm("slots = 9", "Q"),
        },
    )
    monkeypatch.chdir(tmp_path / "sub")  # "parent.toml" is not in the working directory
    s = load_scenario(tmp_path / "sub" / "grand.toml")
    assert s.name == "child" and [(f.name, f.slots) for f in s.firms] == [("P", 7), ("Q", 9)]
    built_in = base_files(tmp_path, {"b.toml": 'base = "classroom"\nweeks = 3\n'}) / "b.toml"
    assert load_scenario(built_in).firms == load_scenario("classroom").firms


# --- a quick fuzzer: built-in scenarios with mutated fields ---------------------------------------

ODD_TEXT = ("", "Ünï 株式会社", "9999-12-31", "0001-01-01", "2023-02-30", "2024-02-29")
ODD_NUMBERS = (-1, 0, 2**63, 1e20, math.inf, math.nan, 0.5)
ODD = (None, True, [], [["2024-01-01", -5]], {"a": 1}, *ODD_TEXT, *ODD_NUMBERS)


def mutation(rng: random.Random, row: ParamInfo) -> object:
    """A value for one field: mostly of its type (a range's ends or middle, a choice, odd text
    or dates, dated points), sometimes anything odd."""
    m, default = row.meta, row.default
    if rng.random() < 0.25:
        return rng.choice(ODD)
    if m.choices:
        return rng.choice(m.choices)
    if isinstance(default, bool):
        return not default
    if isinstance(default, int | float) and m.min is not None and m.max is not None:
        value = rng.choice([m.min, m.max, (m.min + m.max) / 2])
        return int(value) if type(default) is int else value
    if isinstance(default, str):
        return rng.choice(ODD_TEXT)
    return [[rng.choice(ODD_TEXT[2:]), rng.choice([0, 1, 10**6])]]  # lists: dated points


def test_fuzzed_built_in_scenarios_are_refused_or_run_to_the_end() -> None:
    """Each mutated scenario either raises ScenarioError at load or runs all its weeks (the
    same fuzzer, run over 10,000s of inputs while writing the checks, found no other outcome)."""
    rng = random.Random(20240229)
    rows = {name: walk(load_scenario(name)) for name in scenario_names()}
    outcomes = {"refused": 0, "ran": 0}
    for _ in range(60):
        name = rng.choice(sorted(rows))
        overrides = {r.path: mutation(rng, r) for r in rng.sample(rows[name], 2)}
        overrides["weeks"] = rng.choice([1, 5, 26])
        try:
            m = GpuMarket(name, overrides=overrides)
        except ScenarioError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
            continue
        m.run()
        assert m.week == m.weeks, overrides
        outcomes["ran"] += 1
    assert min(outcomes.values()) > 5, outcomes  # both outcomes are exercised
