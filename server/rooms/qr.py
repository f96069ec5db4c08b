"""A QR code of the join link as SVG, with no dependency: byte mode, error correction level L,
versions 1-6 (up to 134 bytes, enough for http://192.168.100.200:8765/play?room=ABCDE).

Follows ISO/IEC 18004 as Project Nayuki's reference encoder lays it out: function patterns, data
and Reed-Solomon codewords in blocks, the zigzag placement, the mask with the lowest penalty.
"""

from __future__ import annotations

import itertools

# version -> (EC codewords per block, blocks, data codewords per block) at level L
BLOCKS = {
    1: (7, 1, 19),
    2: (10, 1, 34),
    3: (15, 1, 55),
    4: (20, 1, 80),
    5: (26, 1, 108),
    6: (18, 2, 68),
}
FORMAT_L = 1  # level L's two format bits
QUIET = 4  # modules of light border


def _gf_mul(x: int, y: int) -> int:
    """Multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1."""
    z = 0
    for i in reversed(range(8)):
        z = (z << 1) ^ ((z >> 7) * 0x11D)
        z ^= ((y >> i) & 1) * x
    return z


def _rs_divisor(degree: int) -> list[int]:
    result = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            result[j] = _gf_mul(result[j], root)
            if j + 1 < degree:
                result[j] ^= result[j + 1]
        root = _gf_mul(root, 2)
    return result


def _rs_remainder(data: list[int], divisor: list[int]) -> list[int]:
    result = [0] * len(divisor)
    for b in data:
        factor = b ^ result.pop(0)
        result.append(0)
        for i, coef in enumerate(divisor):
            result[i] ^= _gf_mul(coef, factor)
    return result


def _codewords(data: bytes, version: int) -> list[int]:
    """Mode, length, data, terminator and padding, split into blocks with their EC codewords,
    interleaved."""
    ec, blocks, per_block = BLOCKS[version]
    capacity = blocks * per_block * 8
    bits = "0100" + format(len(data), "08b") + "".join(format(b, "08b") for b in data)
    bits += "0" * min(4, capacity - len(bits))
    bits += "0" * (-len(bits) % 8)
    words = [int(bits[i : i + 8], 2) for i in range(0, len(bits), 8)]
    pad = (0xEC, 0x11)
    words += [pad[i % 2] for i in range(blocks * per_block - len(words))]
    divisor = _rs_divisor(ec)
    split = [words[i * per_block : (i + 1) * per_block] for i in range(blocks)]
    eccs = [_rs_remainder(b, divisor) for b in split]
    return [b[i] for i in range(per_block) for b in split] + [e[i] for i in range(ec) for e in eccs]


class _Grid:
    def __init__(self, version: int) -> None:
        self.size = version * 4 + 17
        self.dark = [[False] * self.size for _ in range(self.size)]
        self.fixed = [[False] * self.size for _ in range(self.size)]

    def put(self, x: int, y: int, dark: bool) -> None:
        self.dark[y][x] = dark
        self.fixed[y][x] = True

    def function_patterns(self, version: int) -> None:
        n = self.size
        for i in range(n):
            self.put(6, i, i % 2 == 0)
            self.put(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (n - 4, 3), (3, n - 4)):
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < n and 0 <= y < n:
                        self.put(x, y, max(abs(dx), abs(dy)) not in (2, 4))
        if version > 1:
            c = n - 7
            for dy in range(-2, 3):
                for dx in range(-2, 3):
                    self.put(c + dx, c + dy, max(abs(dx), abs(dy)) != 1)
        self.format_bits(0)

    def format_bits(self, mask: int) -> None:
        data = FORMAT_L << 3 | mask
        rem = data
        for _ in range(10):
            rem = (rem << 1) ^ ((rem >> 9) * 0x537)
        bits = (data << 10 | rem) ^ 0x5412
        bit = [(bits >> i) & 1 == 1 for i in range(15)]
        n = self.size
        for i in range(6):
            self.put(8, i, bit[i])
        self.put(8, 7, bit[6])
        self.put(8, 8, bit[7])
        self.put(7, 8, bit[8])
        for i in range(9, 15):
            self.put(14 - i, 8, bit[i])
        for i in range(8):
            self.put(n - 1 - i, 8, bit[i])
        for i in range(8, 15):
            self.put(8, n - 15 + i, bit[i])
        self.put(8, n - 8, True)

    def place(self, words: list[int]) -> None:
        n, i, total = self.size, 0, len(words) * 8
        right = n - 1
        while right >= 1:
            if right == 6:
                right = 5
            for vert in range(n):
                for j in range(2):
                    x = right - j
                    y = n - 1 - vert if ((right + 1) & 2) == 0 else vert
                    if not self.fixed[y][x] and i < total:
                        self.dark[y][x] = (words[i >> 3] >> (7 - (i & 7))) & 1 == 1
                        i += 1
            right -= 2

    def apply_mask(self, mask: int) -> None:
        test = MASKS[mask]
        for y in range(self.size):
            for x in range(self.size):
                if not self.fixed[y][x] and test(x, y):
                    self.dark[y][x] = not self.dark[y][x]


MASKS = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)
FINDER_LIKE = "1011101"  # dark:light:dark:light:dark in 1:1:3:1:1


def _finder_like(line: str) -> int:
    """40 for each 1:1:3:1:1 pattern with four light modules (or the symbol's edge, which the
    quiet zone makes light) before or after it."""
    n, score = len(line), 0
    i = line.find(FINDER_LIKE)
    while i != -1:
        after = i + 7
        if (
            i in (0, n - 7)
            or "1" not in line[max(i - 4, 0) : i]
            or "1" not in line[after : after + 4]
        ):
            score += 40
        else:
            after = i + 4  # the next pattern may start at this one's third dark module
        i = line.find(FINDER_LIKE, after)
    return score


def penalty(dark: list[list[bool]]) -> int:
    """ISO 18004's four penalty rules: runs of five or more, 2x2 blocks, finder-like patterns,
    and the balance of dark and light modules."""
    n = len(dark)
    lines = ["".join("1" if v else "0" for v in row) for row in dark]
    lines += ["".join("1" if dark[y][x] else "0" for y in range(n)) for x in range(n)]
    score = 0
    for line in lines:
        run = 1
        for a, b in itertools.pairwise(line):
            run = run + 1 if a == b else 1
            score += 3 if run == 5 else 1 if run > 5 else 0
        score += _finder_like(line)
    for y in range(n - 1):
        for x in range(n - 1):
            if dark[y][x] == dark[y][x + 1] == dark[y + 1][x] == dark[y + 1][x + 1]:
                score += 3
    total = n * n
    dark_count = sum(map(sum, dark))
    return score + 10 * (abs(dark_count * 20 - total * 10) // total)


def qr_matrix(text: str, mask: int | None = None) -> list[list[bool]]:
    """The modules (rows of booleans, True = dark) of `text` in the smallest version that holds
    it; `mask` forces a mask pattern (default: the lowest penalty)."""
    data = text.encode("utf-8")
    version = next((v for v, (_, b, d) in BLOCKS.items() if len(data) + 2 <= b * d), None)
    if version is None:
        raise ValueError(f"too long for a QR code here ({len(data)} bytes, at most 134)")
    words = _codewords(data, version)
    best: tuple[int, list[list[bool]]] | None = None
    for m in range(8) if mask is None else (mask,):
        grid = _Grid(version)
        grid.function_patterns(version)
        grid.place(words)
        grid.apply_mask(m)
        grid.format_bits(m)
        score = penalty(grid.dark)
        if best is None or score < best[0]:
            best = (score, grid.dark)
    assert best is not None
    return best[1]


def qr_svg(text: str, pixels: int = 200) -> str:
    """An SVG image (`pixels` wide) of the QR code of `text`, with its quiet zone."""
    matrix = qr_matrix(text)
    n = len(matrix) + 2 * QUIET
    path = "".join(
        f"M{x + QUIET} {y + QUIET}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{pixels}" '
        f'height="{pixels}" shape-rendering="crispEdges" role="img" aria-label="QR code">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )
