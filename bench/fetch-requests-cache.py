#!/usr/bin/python3
"""The requests-cache peer of bench/fetch-with-cache.sh.

    fetch-requests-cache.py [--threads N] [--fresh] [--fast-save] [--expect hit|miss]
                            [--limit N] URLS CACHE

Fetches every URL of the file URLS (one a line) with THREADS worker threads
(default 16, a concurrent.futures.ThreadPoolExecutor), each thread with its
own requests_cache.CachedSession (requests' sessions are not thread-safe)
on one shared SQLite cache file CACHE (the SQLite backend is safe for
concurrent use), with cache_control=True so that the responses' own
Cache-Control decides freshness, as an HTTP cache does. Each body is read
whole and its SHA-256 taken, the work fetch-with-cache --digest does.
--fresh deletes CACHE (and its -wal and -shm files) first: a cold cache.
--limit N takes the first N URLs only. --fast-save passes fast_save=True
(PRAGMA synchronous = 0: no fsync a commit); the default is requests-cache's
own (synchronous FULL, rollback journal). SQLite's lock wait is 60 s, not
Python's 5 s, so that 16 writers do not fail with "database is locked"
on a loaded machine. --expect hit|miss fails (exit 1)
unless every response was served from the cache (hit) or none was (miss).
A summary goes to stderr; exit 1 when any request failed or a status was
not 200.
"""

import argparse
import concurrent.futures
import hashlib
import os
import sys
import threading

import requests_cache


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--expect", choices=("hit", "miss"))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--fast-save", action="store_true")
    ap.add_argument("urls")
    ap.add_argument("cache")
    a = ap.parse_args()

    with open(a.urls) as f:
        urls = [line.strip() for line in f if line.strip()]
    if a.limit > 0:
        urls = urls[: a.limit]
    if a.fresh:
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(a.cache + suffix)
            except FileNotFoundError:
                pass

    local = threading.local()

    def session():
        s = getattr(local, "s", None)
        if s is None:
            s = requests_cache.CachedSession(
                a.cache, backend="sqlite", cache_control=True, fast_save=a.fast_save,
                timeout=60,  # sqlite3.connect's wait for a lock (default 5 s)
            )
            local.s = s
        return s

    def fetch(url):
        try:
            r = session().get(url, timeout=30)
            hashlib.sha256(r.content).hexdigest()
            return r.status_code, bool(getattr(r, "from_cache", False)), None
        except Exception as e:  # requests' errors, and SQLite's (database is locked)
            return None, False, "%s: %s" % (type(e).__name__, e)

    statuses = {}
    hits = errors = 0
    first_error = None
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.threads) as ex:
        for status, hit, err in ex.map(fetch, urls, chunksize=16):
            if err is not None:
                errors += 1
                first_error = first_error or err
                continue
            statuses[status] = statuses.get(status, 0) + 1
            hits += hit

    n = len(urls)
    print(
        "requests-cache %s: %d URLs, %d threads, %d from the cache, %d errors, statuses %s"
        % (requests_cache.__version__, n, a.threads, hits, errors, statuses),
        file=sys.stderr,
    )
    bad = errors > 0 or statuses.get(200, 0) != n - errors
    if first_error:
        print("first error: %s" % first_error, file=sys.stderr)
    if a.expect == "hit" and hits != n:
        print("expected all %d from the cache, got %d" % (n, hits), file=sys.stderr)
        bad = True
    if a.expect == "miss" and hits != 0:
        print("expected none from the cache, got %d" % hits, file=sys.stderr)
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
