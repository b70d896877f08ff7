#!/usr/bin/python3
"""The PyOpenCL peer of gpu-map 'y = a*b + c' (issue 8), end to end.

    gpu-map-pyopencl.py [--check] [--write y|all] [--stats] FILE [OUT]
    gpu-map-pyopencl.py --make-raw CSV COPIES OUT

FILE is raw little-endian float64 in columns: a[N], b[N], c[N], no header,
N = size / 24 (pyarrow is not installed here, so not the Arrow stream gpu-map
reads; the same values, see --make-raw). The script reads the file
(numpy.fromfile), copies a, b, c to the first CPU device (else the first
device) with pyopencl.array.to_device, applies an ElementwiseKernel
`y[i] = a[i]*b[i] + c[i]` (FP_CONTRACT OFF, as gpu-map's kernels), gets y back
(.get()) and writes it to OUT (default /dev/null) as raw float64; with
--write all, a, b, c and y in turn, as many bytes as gpu-map's four output
columns. --check compares every 997th row with numpy's a*b + c. --stats
prints each phase's seconds to stderr.

--make-raw converts a CSV with the header a,b,c (as bench/gpu-map.sh makes
it with mawk, the same CSV rec-cat turns into the Arrow stream) into such a
file holding its rows COPIES times over (as the Arrow stream holds its part).
"""
import sys
import time

import numpy as np


def make_raw(csv, copies, out):
    with open(csv, "rb") as f:
        f.readline()  # a,b,c
        text = f.read().replace(b"\n", b",")
    v = np.fromstring(text, dtype=np.float64, sep=",")  # noqa: the text parser
    if v.size % 3:
        sys.exit("gpu-map-pyopencl.py: %s: not three columns" % csv)
    cols = v.reshape(-1, 3)
    with open(out, "wb") as f:
        for j in range(3):
            col = np.ascontiguousarray(cols[:, j])
            for _ in range(copies):
                col.tofile(f)


def main(argv):
    args = list(argv[1:])
    if args[:1] == ["--make-raw"] and len(args) == 4:
        make_raw(args[1], int(args[2]), args[3])
        return 0
    check = stats = False
    write = "y"
    while args and args[0].startswith("--"):
        o = args.pop(0)
        if o == "--check":
            check = True
        elif o == "--stats":
            stats = True
        elif o == "--write" and args and args[0] in ("y", "all"):
            write = args.pop(0)
        else:
            sys.exit(__doc__)
    if len(args) not in (1, 2):
        sys.exit(__doc__)
    path = args[0]
    out = args[1] if len(args) == 2 else "/dev/null"

    t = [("start", time.perf_counter())]
    import pyopencl as cl
    import pyopencl.array as cla
    from pyopencl.elementwise import ElementwiseKernel
    t.append(("import", time.perf_counter()))

    dev = None
    for p in cl.get_platforms():
        devs = p.get_devices(cl.device_type.CPU) or p.get_devices()
        if devs:
            dev = devs[0]
            break
    if dev is None:
        sys.exit("gpu-map-pyopencl.py: no OpenCL device")
    ctx = cl.Context([dev])
    q = cl.CommandQueue(ctx)
    k = ElementwiseKernel(ctx, "double *y, const double *a, const double *b, const double *c",
                          "y[i] = a[i] * b[i] + c[i]", "abc",
                          preamble="#pragma OPENCL FP_CONTRACT OFF")
    t.append(("context+kernel", time.perf_counter()))

    v = np.fromfile(path, dtype=np.float64)
    if v.size % 3:
        sys.exit("gpu-map-pyopencl.py: %s: not three float64 columns" % path)
    n = v.size // 3
    a, b, c = v[:n], v[n:2 * n], v[2 * n:]
    t.append(("read", time.perf_counter()))

    da, db, dc = (cla.to_device(q, x) for x in (a, b, c))
    dy = cla.empty_like(da)
    t.append(("to_device", time.perf_counter()))
    k(dy, da, db, dc)
    q.finish()
    t.append(("kernel", time.perf_counter()))
    y = dy.get()
    t.append(("get", time.perf_counter()))

    with open(out, "wb") as f:
        for x in ((a, b, c, y) if write == "all" else (y,)):
            x.tofile(f)
    t.append(("write", time.perf_counter()))

    if check:
        i = np.arange(0, n, 997)
        bad = np.count_nonzero(y[i] != a[i] * b[i] + c[i])
        if bad:
            sys.exit("gpu-map-pyopencl.py: y differs from a*b + c on %d rows" % bad)
    if stats:
        print("gpu-map-pyopencl.py: %d rows on '%s': %s, %.3f s in all" % (
            n, dev.name.strip(),
            ", ".join("%s %.3f s" % (t[j][0], t[j][1] - t[j - 1][1]) for j in range(1, len(t))),
            t[-1][1] - t[0][1]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
