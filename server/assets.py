"""Fill Solara's browser-asset cache from the npm registry, so the app works with no internet.

The Solara server fetches its JavaScript from a public CDN at run time and keeps what it fetched in
`solara.server.settings.assets.proxy_cache_dir` (`$VIRTUAL_ENV/share/solara/cdn`, or
`SOLARA_ASSETS_PROXY_CACHE_DIR`). Offline, that fetch fails and the page stays blank. This module
`npm pack`s each package Solara (and our charts) ask for and unpacks it into `CACHE/<spec>/` without
its top folder, which is exactly the layout the CDN proxy reads. Run `python -m server.assets`;
a second run is a quick no-op.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

# Read from solara 1.64.1's source (server/templates/solara.html.j2, server/settings.py,
# components/echarts.vue, components/markdown.py, widgets/vue/*.vue); `requested_specs` re-reads it.
PACKAGES: tuple[str, ...] = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
    "mermaid@10.8.0",
    "katex@0.16.9",
    "echarts@5.4.0",
)
MARKER = ".npm-pack-complete"


def cache_dir() -> Path:
    """Where the running Solara server looks for cached CDN files."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(cache: Path, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Packages not yet unpacked completely into `cache`."""
    return [spec for spec in packages if not (cache / spec / MARKER).is_file()]


def npm_pack(specs: list[str], dest: Path) -> dict[str, Path]:
    """Download each spec's tarball with one `npm pack` call; returns spec -> tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm was not found on PATH. Install Node.js/npm (e.g. `apt-get install npm`) so the "
            "app's browser assets can be fetched once from the npm registry."
        )
    cmd = [npm, "pack", *specs, "--json", "--pack-destination", str(dest)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`npm pack` failed (is the npm registry reachable?):\n{done.stderr}")
    rows = json.loads(done.stdout)
    return {spec: dest / row["filename"] for spec, row in zip(specs, rows, strict=True)}


def unpack(tarball: Path, target: Path) -> None:
    """Extract `tarball` into `target`, dropping the archive's top folder (`package/`)."""
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
        (top,) = [p for p in Path(tmp).iterdir() if p.is_dir()]
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(top, target, dirs_exist_ok=True)  # merge with files the proxy cached
    (target / MARKER).write_text(tarball.name + "\n", encoding="utf-8")


def fill(cache: Path | None = None, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Make sure every package is in the cache; returns the specs that were fetched now."""
    cache = cache or cache_dir()
    todo = missing(cache, packages)
    if not todo:
        return []
    for spec in todo:
        (cache / spec).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, tarball in npm_pack(todo, Path(tmp)).items():
            unpack(tarball, cache / spec)
    return todo


def size_mb(cache: Path) -> float:
    """Total size of the cache in megabytes."""
    return sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 1e6


def requested_specs() -> set[str]:
    """`name@version` specs Solara's own templates ask the CDN for (vuetify 2 build only)."""
    import re

    import solara

    root = Path(solara.__file__).parent
    pattern = re.compile(
        r"(?:cdn\}*|assets\.fontawesome_path\}*|/)/?((?:@[\w-]+/)?[\w.-]+@[\w.+-]+)/"
    )
    found: set[str] = set()
    for sub in ("server/templates", "server/settings.py", "components", "widgets"):
        base = root / sub
        files = (
            [base]
            if base.is_file()
            else [*base.rglob("*.vue"), *base.rglob("*.j2"), *base.rglob("*.py")]
        )
        for path in files:
            found |= set(pattern.findall(path.read_text(encoding="utf-8", errors="ignore")))
    echarts = re.search(r'version = "([\d.]+)"', (root / "components/echarts.vue").read_text())
    if echarts:  # echarts.vue builds its url from a variable
        found.add(f"echarts@{echarts.group(1)}")
    return {
        s for s in found if "vuetify3" not in s and not s.startswith(("vuetify@", "hack-font@"))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m server.assets", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cache-dir", type=Path, help="default: where Solara looks")
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    args = parser.parse_args(argv)
    cache = args.cache_dir or cache_dir()
    if args.check:
        todo = missing(cache)
        print(f"{cache}: {'complete' if not todo else 'missing ' + ', '.join(todo)}")
        return 1 if todo else 0
    start = time.perf_counter()
    try:
        fetched = fill(cache)
    except RuntimeError as exc:
        print(f"server.assets: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - start
    if fetched:
        print(
            f"Solara asset cache {cache}: fetched {len(fetched)} packages in {took:.1f} s "
            f"({size_mb(cache):.0f} MB)"
        )
    else:
        print(f"Solara asset cache {cache}: complete")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    raise SystemExit(main())
