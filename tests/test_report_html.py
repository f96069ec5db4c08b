"""The printable run report: every section, nothing fetched, valid inline SVG, the events in plain
words, `gpu-alloc run --report`, the app's "Download report", and chromium printing it to A4."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import ipyvuetify as v
import pandas as pd
import pytest
import solara
from solara.components.file_download import FileDownloadWidget

from experiments.cli import main
from model.figures import FIGURES, RUN_SUMMARY
from model.market import GpuMarket
from model.market.scoring import record_table
from server.app import Page
from server.reporting import report_html, write_report
from server.reporting.narrative import narrative_html
from server.session import RunSpec

SECTIONS = {
    "settings": "Scenario and settings",
    "figures": "Headline figures",
    "charts": "Charts",
    "events": "What happened",
    "record": "Against the public record",
}
OVERRIDES = {"market.mechanism": "uniform"}
REFERENCE = re.compile(  # src=, href=, url(, @import: whatever a page could fetch
    r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)([^"')\s>]*)"""
)
SVG = re.compile(r"<svg\b.*?</svg>", re.S)
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


@pytest.fixture(scope="module")
def classroom() -> GpuMarket:
    return GpuMarket("classroom", overrides=OVERRIDES).run()


@pytest.fixture(scope="module")
def page(classroom: GpuMarket) -> str:
    return report_html(classroom, OVERRIDES)


def test_every_section_is_there_in_order(page: str) -> None:
    found = re.findall(r"<section id='(\w+)'>\s*<h2>([^<]+)</h2>", page)
    assert found == list(SECTIONS.items())


def test_settings_show_the_scenario_and_its_overrides(page: str, classroom: GpuMarket) -> None:
    settings = page.split("<section id='settings'>")[1].split("</section>")[0]
    for shown in ("classroom", classroom.config.description, ">7<", ">uniform<", ">priority<"):
        assert shown in settings
    assert "<td>market.mechanism</td><td>&#x27;uniform&#x27;</td>" in settings


def test_headline_figures_carry_their_labels(page: str) -> None:
    figures = page.split("<section id='figures'>")[1].split("</section>")[0]
    for key in RUN_SUMMARY:
        assert f"<td>{FIGURES[key].label.replace(chr(39), '&#x27;')}</td>" in figures
    assert "n/a" not in figures


def test_nothing_is_fetched_from_anywhere(page: str) -> None:
    references = REFERENCE.findall(page)
    assert references, "the charts' internal references should have been found"
    assert all(r.startswith("#") for r in references), sorted(set(references))
    assert not re.search(r"<(?:script|link|img|iframe|object|embed)\b", page)
    assert "default-src 'none'" in page  # and the page forbids fetching, should one slip in


def test_charts_are_valid_inline_svg_with_distinct_ids(page: str) -> None:
    svgs = SVG.findall(page)
    assert len(svgs) >= 4
    for svg in svgs:
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_print_css_is_a4_with_a_page_break_per_section(page: str) -> None:
    assert "@page { size: A4;" in page
    assert "section + section { break-before: page; }" in page
    assert "figure { margin: 0 0 6mm; break-inside: avoid; }" in page


def test_the_same_run_gives_the_same_bytes(page: str) -> None:
    again = GpuMarket("classroom", overrides=OVERRIDES).run()
    assert report_html(again, OVERRIDES) == page


def test_record_is_skipped_with_a_note_when_firms_are_missing(page: str) -> None:
    record = page.split("<section id='record'>")[1]
    assert re.search(r"<p class='note'>Not checked: record point .*ByteDance", record)
    assert "<table>" not in record


def test_baseline_record_check_uses_the_runs_seed() -> None:
    m = GpuMarket("baseline", seed=3).run()
    page = report_html(m)
    expected = record_table("baseline", 1, seed=3)
    assert f"Inside {expected.inside} of {expected.total}," in page
    assert page.count("<br><span class='source'>") == len(expected.points)


def test_a_run_not_started_or_half_done_still_reports() -> None:
    fresh = report_html(GpuMarket("classroom"))
    assert "No weeks simulated yet." in fresh and "Week 0 of 52 (in progress" in fresh
    half = report_html(GpuMarket("classroom").run(10))
    assert "Week 10 of 52 (in progress; 2024-01-01 to 2024-03-04)" in half
    assert len(SVG.findall(half)) == 4


def test_events_read_month_by_month_redirects_first() -> None:
    events = pd.DataFrame(
        {
            "step": [1, 2, 3, 5],
            "date": ["2024-01-08", "2024-01-15", "2024-01-22", "2024-02-05"],
            "kind": ["cancellation", "cancellation", "redirect", "expansion"],
            "firm": ["Tesla", "Tesla", "Tesla", "xAI"],
            "other_firm": ["", "", "X", ""],
            "units": [100, 50, 1000, 5000],
            "friction": [0.08, 0.04, 1.0, 0.0],
            "text": [
                "Tesla cancelled 100 units of open orders",
                "Tesla cancelled 50 units of open orders",
                "Musk redirected 1,000 GPUs from Tesla to X",
                "xAI's data centre can now power 5,000 more GPUs",
            ],
        }
    )
    assert narrative_html(events) == (
        "<p class='key-summary'>1 redirect (1,000 GPUs), 0 swaps, 0 swap repayments, "
        "0 refused requests; their friction 1.0.</p>\n"
        "<h3>January 2024</h3>\n<ul class='events'>"
        "<li class='key'>2024-01-22: Musk redirected 1,000 GPUs from Tesla to X; friction +1.0</li>"
        "<li>Tesla cancelled 150 units of open orders (2 cancellations); friction +0.1</li></ul>\n"
        "<h3>February 2024</h3>\n<ul class='events'>"
        "<li>2024-02-05: xAI&#x27;s data centre can now power 5,000 more GPUs</li></ul>"
    )
    assert narrative_html(events.iloc[:0]).startswith("<p>No events")


def test_write_report_refuses_a_folder(classroom: GpuMarket, tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        write_report(classroom, tmp_path)
    target = write_report(classroom, tmp_path / "new" / "r.html")
    assert target.read_text(encoding="utf-8") == report_html(classroom)
    assert [p.name for p in target.parent.iterdir()] == ["r.html"]  # no temporary file left


def test_run_report_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, report = tmp_path / "out", tmp_path / "out" / "report.html"
    argv = ["run", "--scenario", "classroom", "--set", "market.mechanism=uniform"]
    argv += ["--out", str(out)]
    assert main([*argv, "--report", str(report)]) == 0
    assert str(report) in capsys.readouterr().out
    assert report.read_text(encoding="utf-8") == report_html(
        GpuMarket("classroom", overrides=OVERRIDES).run(), OVERRIDES
    )
    assert main([*argv, "--force", "--report", str(report)]) == 0


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (".", "is a folder; give a file name"),
        ("out/model.csv", "is one of the tables this run writes"),
        ("earlier.html", "already exists; add --force"),
    ],
)
def test_run_report_bad_paths_exit_2_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture, target: str, message: str
) -> None:
    (tmp_path / "earlier.html").write_text("keep me")
    argv = ["run", "--scenario", "classroom", "--out", str(tmp_path / "out")]
    code = main([*argv, "--report", str(tmp_path / target)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written
    assert (tmp_path / "earlier.html").read_text() == "keep me"


@solara.component
def ClassroomApp() -> None:
    """The whole page for `classroom` inside an AppLayout, as `solara run` serves it."""
    with solara.AppLayout():
        Page(RunSpec("classroom"))


def test_the_apps_download_builds_the_same_report() -> None:
    """Step the app twice, ask for the report, and get the page `report_html` gives that run."""
    _box, rc = solara.render(ClassroomApp(), handle_error=False)
    for _ in range(2):
        rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(FileDownloadWidget, filename="classroom-report.html").widget.request_download = True
    deadline = time.monotonic() + 60
    while not (body := rc.find(FileDownloadWidget, filename="classroom-report.html").widget.bytes):
        assert time.monotonic() < deadline, "the report was not built within 60 s"
        time.sleep(0.05)
    assert body.decode() == report_html(GpuMarket("classroom").run(2), {})


# --- chromium: the file opens with no network and prints to A4 ----------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    from tests.app_helpers import CHROMIUM_ARGS, chromium_path

    path = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_offline(browser, path: Path) -> tuple[object, list[str], list[str]]:
    """Open `path` with every request but file:// blocked (and the page's own CSP switched off,
    so a stray reference would reach the network layer and be counted); returns the page, the
    blocked urls and the allowed ones."""
    blocked: list[str] = []
    allowed: list[str] = []

    def only_files(route) -> None:
        url = route.request.url
        if url.startswith("file://"):
            allowed.append(url)
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page = browser.new_context(bypass_csp=True).new_page()
    page.route("**/*", only_files)
    page.goto(path.as_uri(), wait_until="load")
    return page, blocked, allowed


@pytest.mark.slow
@pytest.mark.browser
def test_chromium_opens_it_offline_and_prints_it(chromium, page: str, tmp_path: Path) -> None:
    control = tmp_path / "control.html"
    control.write_text("<img src='https://example.invalid/x.png'>", encoding="utf-8")
    probe, blocked, _ = open_offline(chromium, control)
    assert blocked == ["https://example.invalid/x.png"]  # the blocker does see such a request
    probe.context.close()

    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    shown, blocked, allowed = open_offline(chromium, report)
    assert blocked == [] and allowed == [report.as_uri()]
    assert shown.locator("svg").count() >= 4
    shown.emulate_media(media="print")
    shown.set_viewport_size({"width": round((210 - 2 * 14) / 25.4 * 96), "height": 1000})
    printable = (297 - 2 * 16) / 25.4 * 96  # A4 height inside the @page margins, in CSS px
    heights = shown.eval_on_selector_all("figure", "els => els.map(e => e.offsetHeight)")
    assert heights and max(heights) < printable  # every chart fits on a page, none is cut
    pdf = shown.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(PDF_PAGE.findall(pdf)) >= 2
    shown.context.close()
