#!/usr/bin/env python3
"""Exact reference moments for tests/moments/accuracy-offset.sh (stdlib only).

  exact_moments.py gen N SEED             print N values 1e9 + N(0,1), one a line
  exact_moments.py check DATA TEXT F64    compare moments --out tsv results
                                          with the exact moments of DATA

gen writes repr() of each double: the shortest decimal that reads back as
that double, but not its exact value. So there are two exact references:
TEXT (moments on the text) is held to the decimal numbers as written,
which is what moments computes with (it keeps the digits a double loses),
and F64 (moments on float64 Arrow made from the text) to the doubles.
check holds the values as integers over a common denominator, sums their
powers exactly, and forms the central moments as fractions; only the
square roots are rounded, at 50 digits. It prints the relative error of
mean, sd, skew (G1) and kurt (G2) for each TSV and exits 1 when one misses
its target (1e-15 for the mean, 1e-12 for the others).
"""
import math
import random
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 50
TARGETS = {"mean": Decimal("1e-15"), "sd": Decimal("1e-12"),
           "skew": Decimal("1e-12"), "kurt": Decimal("1e-12")}


def gen(n, seed):
    rng = random.Random(seed)
    sys.stdout.write("".join(repr(1e9 + rng.gauss(0.0, 1.0)) + "\n" for _ in range(n)))


def dec(q):
    """A Fraction as a 50-digit Decimal."""
    return Decimal(q.numerator) / Decimal(q.denominator)


def exact(path, as_written):
    """n and the exact mean, sd, G1, G2 (Decimal) of the numbers in path:
    the decimals as written, or the doubles they read as."""
    if as_written:
        ratios = [Fraction(line.strip()).as_integer_ratio() for line in open(path)]
    else:
        ratios = [float(line).as_integer_ratio() for line in open(path)]
    n = len(ratios)
    # A common denominator, then integers shifted by the first
    # value: a shift leaves central moments unchanged and keeps powers small.
    den = math.lcm(*(d for _, d in ratios))
    k = [p * (den // d) for p, d in ratios]
    c = k[0]
    s1 = s2 = s3 = s4 = 0
    for v in k:
        y = v - c
        y2 = y * y
        s1 += y
        s2 += y2
        s3 += y2 * y
        s4 += y2 * y2
    f = Fraction
    M2 = s2 - f(s1 * s1, n)
    M3 = s3 - f(3 * s1 * s2, n) + f(2 * s1 ** 3, n * n)
    M4 = s4 - f(4 * s1 * s3, n) + f(6 * s1 * s1 * s2, n * n) - f(3 * s1 ** 4, n ** 3)
    mean = f(c, den) + f(s1, n * den)
    sd = (dec(M2 / (n - 1)) / (Decimal(den) ** 2)).sqrt()
    m2, m3, m4 = M2 / n, M3 / n, M4 / n
    g1 = dec(m3) / (dec(m2) * dec(m2).sqrt())
    G1 = (Decimal(n * (n - 1)).sqrt() / (n - 2)) * g1
    g2 = m4 / (m2 * m2) - 3
    G2 = ((n + 1) * g2 + 6) * f(n - 1, (n - 2) * (n - 3))
    return n, {"mean": dec(mean), "sd": sd, "skew": G1, "kurt": dec(G2)}


def read_result(path):
    """The one row of a moments --out tsv output, as a dict by column name."""
    lines = open(path).read().splitlines()
    if len(lines) != 2:
        sys.exit(f"{path}: expected a header and one row, got {len(lines)} lines")
    return dict(zip(lines[0].split("\t"), lines[1].split("\t")))


def check(data, text_result, f64_result):
    ok = True
    for path, as_written in ((text_result, True), (f64_result, False)):
        n, ref = exact(data, as_written)
        print(f"exact reference ({'decimals' if as_written else 'doubles'}, n={n}): " +
              ", ".join(f"{k}={v:.17g}" for k, v in ref.items()))
        row = read_result(path)
        if row.get("n") != str(n):
            print(f"FAIL {path}: n={row.get('n')}, expected {n}")
            ok = False
            continue
        for stat, target in TARGETS.items():
            got = row.get(stat, "")
            try:
                err = abs(Decimal(got) - ref[stat]) / abs(ref[stat])
            except ArithmeticError:
                err = None
            verdict = "ok" if err is not None and err <= target else "FAIL"
            shown = "unreadable" if err is None else f"{err:.2e}"
            print(f"{verdict:4} {path}: {stat:4} = {got:>24}  rel. error {shown}"
                  f" (target <= {target:.0e})")
            ok = ok and verdict == "ok"
    return ok


def main(argv):
    if len(argv) == 4 and argv[1] == "gen":
        gen(int(argv[2]), int(argv[3]))
        return 0
    if len(argv) == 5 and argv[1] == "check":
        return 0 if check(argv[2], argv[3], argv[4]) else 1
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
