"""The QR code of the join link: the dependency-free encoder against matrices made by segno
1.6.6 (its byte mode at level L with each mask forced; segno adds a zero pad byte ISO 18004
does not ask for, so the reference was made with ISO padding), and the ISO penalty rules."""

from __future__ import annotations

import re

import pytest

from server.rooms.qr import BLOCKS, penalty, qr_matrix, qr_svg

GOLDEN = {
    ("HELLO", 0): (
        "1fcb7f 104e41 175b5d 174a5d 17455d 104141 1fd57f 1b00 1dfec4 21042 14451f 191442 14cd54 "
        "1aa6 1fd2e7 105fb0 1752e7 174466 175d15 105852 1fd967"
    ),
    ("http://127.0.0.1:8765/play?room=ABCDE", 3): (
        "1fd8337f 10400841 1753c15d 175a2a5d 175ed35d 10494741 1fd5557f ae800 1e50df9d 79836d1 "
        "16c049e6 1d33f509 1efa29ac 1b697e3 1c51435f 1fada3a2 106a0032 c1d8c06 12cb386c 7911d44 "
        "e6badfc 15c31f 1fcb935a 1048031b 174149fc 17577015 175e8f81 105a5382 1fdd65aa"
    ),
    ("b" * 100, 5): (
        "1fc3cccc7f 104c8c9841 174106b05d 175199995d 175817a15d 10438c9841 1fd555557f 6263200 "
        "18eae85e18 1e31666634 650ac1a5f 1319263208 106333336b 120372320 157bac1a5f 1e9277771c "
        "1c43e85edd 2b5372320 1b5b7777e9 98b263208 17c5e85edd 8aa666634 134dac1a5f 12ab263208 "
        "4eb33336b 1b36372320 17e9ac1a5f 10a777771c 1171e85ffd 1a372110 1fd7777559 105f263319 "
        "1749e85fff 17466664c4 1749ac1a2f 105b263159 1fdf3331b9"
    ),
    ("a" * 130, 6): (
        "1fd0ccccc7f 104ad60d641 1746f29f25d 1748999995d 17405e85e5d 10430d60d41 1fd5555557f "
        "1a8358300 1b447a17a41 b996666634 a707ca7c9c 1a3d58358fb e44333336b 1d89f42f47d "
        "ff8a7ca7f1 112511111df 763a17a122 14a82f42f10 1ad6eeeeed5 13118358396 19497a17a4f "
        "a106666634 5717ca7c9c 151c58358fb ce9333336b c1ef42f47d 10fca7ca7f1 153d11111df "
        "84ea17a122 18932f42f10 1d6aeeeeed5 1a258358395 19f57a17bff 166666514 1fc67ca7f5c "
        "104b5835b1b 1753f3333fb 1750f42f58c 1743a7ca6b2 105e111107d 1fd1a17a330"
    ),
}


def rows_hex(matrix: list[list[bool]]) -> list[str]:
    return [f"{int(''.join('1' if v else '0' for v in row), 2):x}" for row in matrix]


@pytest.mark.parametrize(("text", "mask"), list(GOLDEN))
def test_matrix_equals_the_reference(text, mask):
    assert rows_hex(qr_matrix(text, mask=mask)) == GOLDEN[(text, mask)].split()


def test_penalty_as_the_reference_scores_it():
    """segno's evaluate_mask gives 1026 for HELLO with mask 0 (N1 170, N2 96, N3 760, N4 0)."""
    assert penalty(qr_matrix("HELLO", mask=0)) == 1026


def test_the_chosen_mask_has_the_lowest_penalty():
    text = "http://192.168.1.20:8765/play?room=KWEFT"
    best = min(penalty(qr_matrix(text, mask=m)) for m in range(8))
    assert penalty(qr_matrix(text)) == best


def test_versions_and_limits():
    sizes = {v: len(qr_matrix("x" * (b * d - 2))) for v, (_, b, d) in BLOCKS.items()}
    assert sizes == {v: 17 + 4 * v for v in BLOCKS}
    with pytest.raises(ValueError, match="too long"):
        qr_matrix("x" * 135)


def test_svg():
    svg = qr_svg("http://127.0.0.1:8765/play?room=ABCDE", pixels=160)
    assert svg.startswith("<svg") and 'viewBox="0 0 37 37"' in svg and 'width="160"' in svg
    dark = sum(map(sum, qr_matrix("http://127.0.0.1:8765/play?room=ABCDE")))
    assert len(re.findall(r"h1v1h-1z", svg)) == dark
