"""The app's non-visual parts: offline asset cache, lessons as data, CSV download, run recipes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model.market import GpuMarket
from model.params import ScenarioError
from server import assets
from server.components.controls import check, draft_from, spec_from
from server.components.downloads import TABLES, table_csv
from server.curriculum import lessons, parse_lesson
from server.session import RunSpec


def test_asset_list_covers_every_url_solara_requests() -> None:
    """Re-read Solara's templates: an upgrade that asks for new versions fails here, not offline."""
    assert assets.requested_specs() <= set(assets.PACKAGES)


def test_asset_cache_dir_is_solaras(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from solara.server import settings

    monkeypatch.setattr(settings.assets, "proxy_cache_dir", tmp_path)
    assert assets.cache_dir() == tmp_path


def test_filled_cache_is_a_no_op(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for spec in assets.PACKAGES:
        (tmp_path / spec).mkdir(parents=True)
        (tmp_path / spec / assets.MARKER).write_text("x")

    def no_npm(*_a: object, **_k: object) -> None:
        raise AssertionError("npm must not run when the cache is complete")

    monkeypatch.setattr(assets, "npm_pack", no_npm)
    assert assets.fill(tmp_path) == []
    assert assets.main(["--cache-dir", str(tmp_path), "--check"]) == 0


def test_missing_npm_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert assets.main(["--cache-dir", str(tmp_path)]) == 2
    assert "npm was not found" in capsys.readouterr().err


@pytest.mark.slow
def test_npm_pack_unpacks_without_the_top_folder(tmp_path: Path) -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    assert assets.fill(tmp_path, ("requirejs@2.3.6",)) == ["requirejs@2.3.6"]
    assert (tmp_path / "requirejs@2.3.6" / "require.js").is_file()  # the url Solara serves
    assert assets.fill(tmp_path, ("requirejs@2.3.6",)) == []


def test_lessons_cover_the_four_topics_and_load() -> None:
    found = lessons()
    titles = " / ".join(le.title for le in found).lower()
    for topic in ("allocation rules", "order inflation", "musk redirect", "patience"):
        assert topic in titles
    for le in found:
        le.spec().validate()
        assert [s.week for s in le.stages] == sorted(s.week for s in le.stages)
        assert le.stages[0].week == 0 and any(s.questions for s in le.stages)
        assert le.reached(0) == [le.stages[0]]


def test_lesson_errors_name_the_file_and_field() -> None:
    with pytest.raises(ScenarioError, match=r"lessons/bad\.toml: required field 'scenario'"):
        parse_lesson("bad", 'title = "x"\n[[stages]]\nweek = 0\ntext = "t"\n')
    with pytest.raises(ScenarioError, match=r"lessons/bad\.toml: not valid TOML"):
        parse_lesson("bad", "title = ")


def test_the_form_round_trips_a_run() -> None:
    """Reset with an untouched form restarts the same run (lesson overrides without a control
    too)."""
    for le in lessons():
        spec = le.spec()
        assert spec_from(draft_from(spec)).canonical() == spec.canonical()
    extra = RunSpec.of("baseline", {"market.negotiation_rounds": 7, "owner.policy": "none"})
    assert spec_from(draft_from(extra)) == extra
    assert check(draft_from(extra))[1] is None


def test_csv_download_equals_the_models_tables() -> None:
    spec = RunSpec.of("baseline", {"seed": 7, "market.mechanism": "uniform"})
    shown = spec.build().run(12)
    again = GpuMarket("baseline", seed=7, overrides={"market.mechanism": "uniform"}).run(12)
    for name in TABLES:
        assert table_csv(shown, name) == again.tables()[name].to_csv(index=False)


def test_csv_download_equals_gpu_alloc_run(tmp_path: Path) -> None:
    """The same bytes as `gpu-alloc run --format csv` for the same scenario, seed and weeks."""
    pytest.importorskip("experiments.cli")
    cmd = [
        sys.executable,
        "-c",
        "from experiments.cli import main; raise SystemExit(main())",
        "run",
        "--scenario",
        "classroom",
        "--seed",
        "11",
        "--steps",
        "20",
        "--out",
        str(tmp_path),
        "--format",
        "csv",
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    m = RunSpec.of("classroom", {"seed": 11}).build().run(20)
    for name in TABLES:
        assert table_csv(m, name) == (tmp_path / f"{name}.csv").read_text()
