#!/usr/bin/env python3
"""gen_ln_corpus.py: the seed corpus of fuzz_ln (fuzz/corpus/ln): little-endian doubles, special
values, values next to 1, powers of two (subnormal ones included) and price-like ratios.
Run: /usr/bin/python3 fuzz/gen_ln_corpus.py fuzz/corpus/ln"""
import math
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/ln"
seeds = {
    "specials": [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, math.nan, 5e-324, 2.2250738585072014e-308,
                 1.7976931348623157e308],
    "near_one": [1 + k * 2.220446049250313e-16 for k in range(-8, 9)],
    "powers_of_two": [2.0 ** e for e in range(-1074, 1024, 37)],
    "prices": [100.0 * (1 + 0.01 * math.sin(k)) for k in range(40)],
}
for name, values in seeds.items():
    with open(f"{out}/{name}", "wb") as f:
        f.write(b"".join(struct.pack("<d", v) for v in values))
