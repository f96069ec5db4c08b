"""Firm colours must be told apart: no two firms shown together closer than CIEDE2000 20.

CIEDE2000 is implemented here from Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference
formula: implementation notes, supplementary test data, and mathematical observations", Color
Research & Application 30(1), equations (1)-(22), and checked against the paper's 34 test pairs.
The palette itself (agents/population.py PALETTE and the scenario files' `color` lines) is built
from Okabe & Ito's and Paul Tol's colour-blind-safe sets.
"""

from __future__ import annotations

import itertools
import math

import pytest

from agents.population import LONG_TAIL_COLOR, PALETTE
from model.market import GpuMarket
from model.scenario import load_scenario, scenario_names
from server.curriculum import lessons

MIN_DELTA_E = 20.0
Lab = tuple[float, float, float]


def srgb_to_lab(color: str) -> Lab:
    """'#rrggbb' (sRGB, D65) to CIELAB."""
    rgb = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    r, g, b = lin
    xyz = (
        (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047,
        0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
        (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883,
    )
    fx, fy, fz = (
        t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in xyz
    )
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _hue(b: float, a: float) -> float:
    """Hue angle in degrees, 0 for a neutral colour (Sharma eq. 4)."""
    return 0.0 if a == 0 and b == 0 else math.degrees(math.atan2(b, a)) % 360


def ciede2000(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), Sharma et al. (2005) eqs. 1-22."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p, h2p = _hue(b1, a1p), _hue(b2, a2p)
    dlp, dcp = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    big_dhp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lp_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    else:
        hp_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(hp_bar - 30))
        + 0.24 * math.cos(math.radians(2 * hp_bar))
        + 0.32 * math.cos(math.radians(3 * hp_bar + 6))
        - 0.20 * math.cos(math.radians(4 * hp_bar - 63))
    )
    d_theta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (lp_bar - 50) ** 2 / math.sqrt(20 + (lp_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    dl, dc, dh = dlp / s_l, dcp / s_c, big_dhp / s_h
    return math.sqrt(dl**2 + dc**2 + dh**2 + r_t * dc * dh)


def delta_e(c1: str, c2: str) -> float:
    return ciede2000(srgb_to_lab(c1), srgb_to_lab(c2))


# Sharma, Wu & Dalal (2005), Table 1: (L1, a1, b1), (L2, a2, b2), delta E00.
SHARMA_PAIRS: list[tuple[Lab, Lab, float]] = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0012, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "want"), SHARMA_PAIRS)
def test_ciede2000_matches_sharmas_test_data(lab1: Lab, lab2: Lab, want: float) -> None:
    assert ciede2000(lab1, lab2) == pytest.approx(want, abs=5e-5)
    assert ciede2000(lab2, lab1) == pytest.approx(want, abs=5e-5)  # symmetric


def test_srgb_to_lab_reference_points() -> None:
    """White is L* 100; sRGB red is (53.24, 80.09, 67.20) under D65."""
    assert srgb_to_lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert srgb_to_lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.02)
    assert srgb_to_lab("#808080")[1:] == pytest.approx((0.0, 0.0), abs=0.01)


def closest_pair(colors: dict[str, str]) -> tuple[float, str, str]:
    """The two entries of {name: colour} nearest to each other, with their difference."""
    return min((delta_e(colors[x], colors[y]), x, y) for x, y in itertools.combinations(colors, 2))


def shown_together(m: GpuMarket) -> dict[str, str]:
    """Every firm a chart of this run shows, named firms and the long tail's summed row."""
    colors = {name: m.firm(name).color for name in (f.name for f in m.config.firms)}
    if m.config.long_tail.count:
        colors["long tail"] = LONG_TAIL_COLOR
    return colors


RUNS = [(name, name, ()) for name in scenario_names()] + [
    (f"lesson {le.slug}", le.scenario, le.overrides) for le in lessons()
]


@pytest.mark.parametrize(("label", "scenario", "overrides"), RUNS, ids=[r[0] for r in RUNS])
def test_no_two_firms_shown_together_look_alike(
    label: str, scenario: str, overrides: tuple
) -> None:
    """Every built-in scenario and every lesson's run, with the colours the model gives firms."""
    m = GpuMarket(scenario, overrides=dict(overrides) or None)
    colors = shown_together(m)
    assert len(colors) >= 2
    d, x, y = closest_pair(colors)
    assert d >= MIN_DELTA_E, f"{label}: {x} {colors[x]} and {y} {colors[y]}: CIEDE2000 {d:.1f}"


def test_palette_is_distinct_for_scenarios_without_colours() -> None:
    """Firms with no `color` take PALETTE in order: every entry differs from every other one and
    from the long tail's grey."""
    colors = {f"PALETTE[{i}]": c for i, c in enumerate(PALETTE)} | {"long tail": LONG_TAIL_COLOR}
    d, x, y = closest_pair(colors)
    assert d >= MIN_DELTA_E, f"{x} and {y}: CIEDE2000 {d:.1f}"


# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color
# vision deficiency", IEEE TVCG 15(6): severity 1.0 matrices on linear RGB.
CVD = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
}
OWNER_FIRMS_CVD = 20.0  # the redirect story's three firms stay far apart for everyone
ALL_FIRMS_CVD = 8.0  # twelve colours cannot all be 20 apart in two dimensions of colour


def simulate(color: str, kind: str) -> str:
    """How `color` looks with the given colour vision deficiency, as '#rrggbb'."""
    srgb = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb]
    out = [
        min(1.0, max(0.0, sum(m * c for m, c in zip(row, lin, strict=True)))) for row in CVD[kind]
    ]
    enc = [12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055 for c in out]
    return "#" + "".join(f"{round(c * 255):02x}" for c in enc)


@pytest.mark.parametrize("kind", list(CVD))
def test_firms_stay_apart_with_colour_blindness(kind: str) -> None:
    m = GpuMarket("long-tail")
    seen = {name: simulate(c, kind) for name, c in shown_together(m).items()}
    d, x, y = closest_pair(seen)
    assert d >= ALL_FIRMS_CVD, f"{kind}: {x} and {y}: CIEDE2000 {d:.1f}"
    owned = {f: seen[f] for f in m.config.owner.firms}
    d, x, y = closest_pair(owned)
    assert d >= OWNER_FIRMS_CVD, f"{kind}: {x} and {y}: CIEDE2000 {d:.1f}"


def test_baseline_names_every_firm_its_own_colour() -> None:
    firms = load_scenario("baseline").firms
    assert len(firms) == 12 and all(f.color for f in firms)
