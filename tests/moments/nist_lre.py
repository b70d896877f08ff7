#!/usr/bin/env python3
"""Log relative errors on the NIST StRD univariate sets, for nist-strd.sh.

  nist_lre.py NISTDIR WORKDIR

NISTDIR holds certified.tsv (set, mean, sd) and SET.txt, one value a line.
WORKDIR holds, for each SET, what nist-strd.sh saved: SET.text.tsv and
SET.arrow.tsv (moments --out tsv on the text and on float64 Arrow input)
and SET.datamash (datamash mean 1 sstdev 1 on the text). Prints a table of
LRE = -log10(|x - c| / |c|), capped at 15 (also when x == c), and exits 1
unless, on every set: text input is at least as good as datamash for mean
and sd, and float64 input reaches 14 for the mean and 8 for the sd (the
targets of issue 4). The arithmetic is exact (decimal), not float.
"""
import sys
from decimal import Decimal, getcontext

getcontext().prec = 50
CAP = Decimal(15)
ARROW_MIN = {"mean": Decimal(14), "sd": Decimal(8)}


def lre(got, certified):
    """LRE of the decimal string got against the certified decimal string."""
    try:
        x, c = Decimal(got), Decimal(certified)
    except ArithmeticError:
        return None
    if not x.is_finite():
        return None
    if x == c:
        return CAP
    return min(CAP, -(abs(x - c) / abs(c)).log10())


def moments_row(path):
    lines = open(path).read().splitlines()
    if len(lines) != 2:
        return {}
    return dict(zip(lines[0].split("\t"), lines[1].split("\t")))


def fmt(v):
    return "  -- " if v is None else f"{v:5.1f}"


def main(nistdir, work):
    failures = []
    print("LRE (15 = all digits right)      mean                  sd")
    print(f"{'set':10}{'n':>5}   {'text':>5} {'dmash':>5} {'f64':>5}   "
          f"{'text':>5} {'dmash':>5} {'f64':>5}")
    for line in open(f"{nistdir}/certified.tsv").read().splitlines()[1:]:
        name, cmean, csd = line.split("\t")
        cert = {"mean": cmean, "sd": csd}
        n = sum(1 for _ in open(f"{nistdir}/{name}.txt"))
        text = moments_row(f"{work}/{name}.text.tsv")
        arrow = moments_row(f"{work}/{name}.arrow.tsv")
        dm = open(f"{work}/{name}.datamash").read().split()
        dmash = dict(zip(("mean", "sd"), dm))
        for label, row in (("text", text), ("float64", arrow)):
            if row.get("n") != str(n):
                failures.append(f"{name} {label}: n={row.get('n')}, expected {n}")
        cells = []
        for stat in ("mean", "sd"):
            t = lre(text.get(stat, ""), cert[stat])
            d = lre(dmash.get(stat, ""), cert[stat])
            a = lre(arrow.get(stat, ""), cert[stat])
            cells.append(f"{fmt(t)} {fmt(d)} {fmt(a)}")
            if d is None:
                failures.append(f"{name} {stat}: datamash gave {dmash.get(stat)!r}")
            elif t is None or t < d:
                failures.append(f"{name} {stat}, text: LRE {fmt(t).strip()} < datamash's "
                                f"{fmt(d).strip()} ({text.get(stat)} vs {dmash[stat]}, "
                                f"certified {cert[stat]})")
            if a is None or a < ARROW_MIN[stat]:
                failures.append(f"{name} {stat}, float64: LRE {fmt(a).strip()} < "
                                f"{ARROW_MIN[stat]} ({arrow.get(stat)}, certified {cert[stat]})")
        print(f"{name:10}{n:5}   {cells[0]}   {cells[1]}")
    for f in failures:
        print("FAIL", f)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
