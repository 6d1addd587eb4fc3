#!/usr/bin/env python3
"""gen_ln_poly.py: the coefficients of qc_ln's polynomial (src/features/ln.h). With s = f / (2 + f)
and z = s^2, ln(1 + f) = 2 atanh(s) = 2s + s R(z); R(z) = z P(z), P fitted by interpolation at
degree + 1 Chebyshev nodes on [0, zmax], zmax = ((sqrt 2 - 1) / (sqrt 2 + 1))^2, in 160-bit
arithmetic (mpmath: Debian python3-mpmath), then rounded to doubles. Prints the coefficients
(constant term first, as hexadecimal floats) and log2 of the largest absolute error of z P(z) - R(z)
on a fine grid.
Run: /usr/bin/python3 tests/golden/gen_ln_poly.py [degree=6]"""
import sys

import mpmath as mp

mp.mp.prec = 160
deg = int(sys.argv[1]) if len(sys.argv) > 1 else 6
zmax = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2


def R(z):
    if z == 0:
        return mp.mpf(0)
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) - 2 * s) / s


def P(z):
    return mp.mpf(2) / 3 if z == 0 else R(z) / z


n = deg + 1
nodes = [zmax / 2 * (1 + mp.cos(mp.pi * (2 * k + 1) / (2 * n))) for k in range(n)]
a = mp.matrix([[z ** j for j in range(n)] for z in nodes])
c = mp.lu_solve(a, mp.matrix([P(z) for z in nodes]))
cd = [float(x) for x in c]
err = max(abs(z * sum(mp.mpf(cd[j]) * z ** j for j in range(n)) - R(z)) for z in [zmax * k / 2000 for k in range(1, 2001)])
print("coefficients:", ", ".join(x.hex() for x in cd))
print("log2 max abs error:", mp.nstr(mp.log(err, 2), 5))
