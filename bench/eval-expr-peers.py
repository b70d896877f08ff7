#!/usr/bin/python3
# The peers of bench/eval-kernel.c, in process on the same data sizes:
# numexpr (ne.evaluate with a preallocated out=) and Numba (@njit(parallel=True)
# prange loops, compiled by one untimed call first), on T threads each.
# Three float64 arrays a, b, c of ROWS values, uniform in [-10, 10)
# (numpy.random.default_rng(42)), the distribution eval-kernel draws from.
#
#   eval-expr-peers.py ROWS REPS THREADS
#
# THREADS is a comma-separated list ("1,2"). For each thread count, REPS
# rounds run every case in turn after one untimed warm-up round; the median
# of each case is printed as key=value pairs, like eval-kernel's lines:
#
#   case=numexpr threads=1 rows=... seconds=... mrows_s=... gb_s=... expr=...
#
# gb_s counts 4 x 8 bytes a row (3 arrays read, 1 written), as eval-kernel
# does. The two tools' results are compared on every row (numexpr and Numba
# must agree to 1e-13 of the terms' magnitude) before timing.
# Run with /usr/bin/python3 (Debian's python3-numpy, -numexpr, -numba).
import statistics
import sys
import time

import numba
import numexpr as ne
import numpy as np


@numba.njit(parallel=True)
def nb_poly(a, b, c, out):
    for i in numba.prange(a.shape[0]):
        out[i] = 2 * a[i] + 3 * b[i] ** 2 - np.sin(c[i])


@numba.njit(parallel=True)
def nb_fma(a, b, c, out):
    for i in numba.prange(a.shape[0]):
        out[i] = a[i] * b[i] + c[i]


# (expression as eval-expr writes it, numexpr's text, Numba's function)
CASES = [
    ("d = 2*a + 3*b**2 - sin(c)", "2*a + 3*b**2 - sin(c)", nb_poly),
    ("d = a*b + c", "a*b + c", nb_fma),
]


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: eval-expr-peers.py ROWS REPS THREADS")
    rows, reps = int(sys.argv[1]), int(sys.argv[2])
    threads = [int(t) for t in sys.argv[3].split(",")]
    rng = np.random.default_rng(42)
    a = rng.uniform(-10, 10, rows)
    b = rng.uniform(-10, 10, rows)
    c = rng.uniform(-10, 10, rows)
    env = {"a": a, "b": b, "c": c}
    out_ne = np.zeros(rows)
    out_nb = np.zeros(rows)
    for _, text, fn in CASES:
        ne.evaluate(text, local_dict=env, out=out_ne)
        fn(a, b, c, out_nb)  # compiles
        for i in range(0, rows, 1 << 22):  # in slices: no big temporaries
            s = slice(i, i + (1 << 22))
            tol = 1e-13 * (np.abs(2 * a[s]) + np.abs(3 * b[s] * b[s]) + 1)
            if not np.all(np.abs(out_ne[s] - out_nb[s]) <= tol):
                sys.exit(f"numexpr and Numba disagree on {text}")
    print(f"rows={rows} reps={reps} numpy={np.__version__} numexpr={ne.__version__} "
          f"numba={numba.__version__} numba_layer={numba.threading_layer()} "
          f"numexpr_vml={ne.use_vml}")

    for t in threads:
        ne.set_num_threads(t)
        numba.set_num_threads(t)
        times = {}
        for r in range(-1, reps):  # round -1 warms up
            for expr, text, fn in CASES:
                t0 = time.perf_counter()
                ne.evaluate(text, local_dict=env, out=out_ne)
                t1 = time.perf_counter()
                fn(a, b, c, out_nb)
                t2 = time.perf_counter()
                if r >= 0:
                    times.setdefault(("numexpr", expr), []).append(t1 - t0)
                    times.setdefault(("numba", expr), []).append(t2 - t1)
        for (tool, expr), ts in times.items():
            s = statistics.median_low(ts)
            print(f"case={tool} threads={t} rows={rows} seconds={s:.6f} "
                  f"mrows_s={rows / s / 1e6:.1f} gb_s={32 * rows / s / 1e9:.2f} expr={expr}")
        sys.stdout.flush()


main()
