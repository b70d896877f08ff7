#!/usr/bin/env python3
"""An HTTP/1.1 origin server on 127.0.0.1 for the fetch-with-cache tests
(issue 7), scripted at run time through control endpoints so that every
response a test sees is the one the test asked for, counted and logged.

Standard library only. Keep-alive, Content-Length on every response that
has a body (a 304 has none and sends none, RFC 9110 8.6). With --port 0
the kernel picks the port; it is printed on stdout (and written to
--port-file) once the socket listens, so parallel runs never collide.

Control endpoints (never counted or logged):
  POST /_set     JSON {"path": P, ...spec} replaces P's responses;
                 with "append": true adds one to P's sequence instead.
                 Spec: status (200), headers ({name: value} or [[name,
                 value], ...]), body (text) or size (N bytes of a
                 repeated pattern), cond (answer If-None-Match /
                 If-Modified-Since with 304; default on when ETag or
                 Last-Modified is set), delay_ms, close (drop the
                 connection without a response).
                 Each request to P takes the next response of the
                 sequence; the last one repeats.
                 In header values and bodies: {now}, {now-N}, {now+N}
                 become an HTTP-date at response time (IMF-fixdate;
                 {now+N:rfc850} and {now+N:asctime} the obsolete
                 forms), {base} the server's http://127.0.0.1:PORT,
                 {req:NAME} the request header NAME (empty if absent).
  POST /_gen     JSON {"cache_control": CC, "size": N} for /gen/N paths
                 (a query ?cc=... on a /gen URL wins over the setting).
  POST /_reset   forget responses, counts, log and /gen settings.
  GET /_count?path=P    requests to P (all requests without path,
                        requests under a prefix with prefix=P).
  GET /_counts          "PATH<TAB>N" for every path requested.
  GET /_log?path=P      one JSON object per request to P:
                        {"method", "path", "headers"}; with &header=NAME
                        only that header's value per line ("-" if absent).
Generated paths: GET /gen/N returns gen_body(N, size), deterministic, with
Cache-Control from the setting (default max-age=3600) and an ETag.

Signals: SIGUSR1 closes the listening socket (connections are refused,
the state is kept), SIGUSR2 listens again on the same port.

Other uses: origin.py --gen-digests FROM TO [--gen-size N] prints
"N<TAB>sha256" of each /gen/N body, for checking fetched digests;
origin.py ctl BASE COMMAND ARGS... is the client of the control
endpoints that tests/fetch/lib.sh uses (no curl needed):
  set PATH [+] ARG...   ARG: status=N body=TEXT size=N delay=MS close
                        cond=0|1 or a header 'Name: value'; + appends
  gen KEY=VALUE...      cache_control=CC size=N
  reset | count [PATH] | count prefix=P | sent PATH NAME (the header NAME
  of the last request to PATH: "-" when absent, empty when none came)
"""

import argparse
import email.utils
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {
    "routes": {},   # path -> {"seq": [spec, ...], "next": int}
    "counts": {},   # path -> int
    "log": [],      # [{"method", "path", "headers"}]
    "gen": {"cache_control": "max-age=3600", "size": 1024},
}
BASE = {"url": ""}
TOKEN = re.compile(r"\{(now(?:[+-]\d+)?(?::rfc850|:asctime)?|base|req:[A-Za-z0-9-]+)\}")


def gen_body(n, size):
    """The body of /gen/N: a first line naming N, then a hex stream derived
    from N, cut to size bytes (at least the first line)."""
    head = "gen %s\n" % n
    out = [head]
    have = len(head)
    block = hashlib.sha256(("gen-%s" % n).encode()).hexdigest()
    i = 0
    while have < size:
        line = hashlib.sha256((block + str(i)).encode()).hexdigest() + "\n"
        out.append(line)
        have += len(line)
        i += 1
    return "".join(out).encode()[:max(size, len(head))]


def http_date(t, form=""):
    """IMF-fixdate, or the obsolete RFC 850 and asctime forms that a
    recipient must still accept (RFC 9110 5.6.7)."""
    if form == "rfc850":
        return time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(t))
    if form == "asctime":
        g = time.gmtime(t)
        return time.strftime("%a %b ", g) + "%2d" % g.tm_mday + time.strftime(" %H:%M:%S %Y", g)
    return email.utils.formatdate(t, usegmt=True)


def expand(text, request_headers, now):
    def sub(m):
        tok = m.group(1)
        if tok == "base":
            return BASE["url"]
        if tok.startswith("req:"):
            return request_headers.get(tok[4:], "") or ""
        tok, _, form = tok.partition(":")
        off = int(tok[3:]) if len(tok) > 3 else 0
        return http_date(now + off, form)
    return TOKEN.sub(sub, text)


def header_list(spec):
    h = spec.get("headers") or []
    if isinstance(h, dict):
        h = list(h.items())
    return [(str(k), str(v)) for k, v in h]


def etag_matches(inm, etag):
    if inm.strip() == "*":
        return True
    def weak(t):
        t = t.strip()
        return t[2:] if t.startswith("W/") else t
    return any(weak(t) == weak(etag) for t in inm.split(","))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pipestage-test-origin"

    def log_message(self, fmt, *args):  # quiet: tests read /_log instead
        pass

    # Control --------------------------------------------------------------
    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b"{}"
        return json.loads(raw.decode() or "{}")

    def reply(self, status, body, ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response_only(status)
        self.send_header("Date", http_date(time.time()))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self, url):
        q = urllib.parse.parse_qs(url.query)
        if url.path == "/_set" and self.command == "POST":
            spec = self.read_json()
            path = spec.pop("path")
            append = spec.pop("append", False)
            with LOCK:
                r = STATE["routes"].get(path)
                if append and r:
                    r["seq"].append(spec)
                else:
                    STATE["routes"][path] = {"seq": [spec], "next": 0}
            return self.reply(200, "ok\n")
        if url.path == "/_gen" and self.command == "POST":
            spec = self.read_json()
            with LOCK:
                STATE["gen"].update(spec)
            return self.reply(200, "ok\n")
        if url.path == "/_reset" and self.command == "POST":
            self.read_json()
            with LOCK:
                STATE["routes"].clear()
                STATE["counts"].clear()
                STATE["log"].clear()
                STATE["gen"] = {"cache_control": "max-age=3600", "size": 1024}
            return self.reply(200, "ok\n")
        if url.path == "/_count":
            with LOCK:
                if "path" in q:
                    n = STATE["counts"].get(q["path"][0], 0)
                elif "prefix" in q:
                    n = sum(v for k, v in STATE["counts"].items()
                            if k.startswith(q["prefix"][0]))
                else:
                    n = sum(STATE["counts"].values())
            return self.reply(200, "%d\n" % n)
        if url.path == "/_counts":
            with LOCK:
                items = sorted(STATE["counts"].items())
            return self.reply(200, "".join("%s\t%d\n" % kv for kv in items))
        if url.path == "/_log":
            with LOCK:
                entries = [e for e in STATE["log"]
                           if "path" not in q or e["path"] == q["path"][0]]
            if "header" in q:
                name = q["header"][0].lower()
                lines = []
                for e in entries:
                    v = [val for k, val in e["headers"] if k.lower() == name]
                    lines.append(", ".join(v) if v else "-")
                return self.reply(200, "".join(l + "\n" for l in lines))
            return self.reply(200, "".join(
                json.dumps({"method": e["method"], "path": e["path"],
                            "headers": dict(e["headers"])}) + "\n"
                for e in entries))
        return self.reply(404, "no such control endpoint\n")

    # Origin ---------------------------------------------------------------
    def serve(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/_"):
            return self.control(url)
        if self.command == "POST":
            self.read_json()
        with LOCK:
            STATE["counts"][url.path] = STATE["counts"].get(url.path, 0) + 1
            STATE["log"].append({"method": self.command, "path": url.path,
                                 "headers": list(self.headers.items())})
            r = STATE["routes"].get(url.path)
            spec = None
            if r:
                spec = r["seq"][min(r["next"], len(r["seq"]) - 1)]
                r["next"] += 1
            gen = dict(STATE["gen"])
        if spec is None and url.path.startswith("/gen/"):
            n = url.path[5:]
            q = urllib.parse.parse_qs(url.query)
            cc = q["cc"][0] if "cc" in q else gen["cache_control"]
            spec = {"status": 200, "body_bytes": gen_body(n, int(gen["size"])),
                    "headers": [("Content-Type", "text/plain"),
                                ("ETag", '"gen-%s"' % n)]
                               + ([("Cache-Control", cc)] if cc else [])}
        if spec is None:
            spec = {"status": 404, "body": "no response set for %s\n" % url.path}
        if spec.get("delay_ms"):
            time.sleep(spec["delay_ms"] / 1000.0)
        if spec.get("close"):
            self.close_connection = True
            return
        now = time.time()
        req = {k.lower(): v for k, v in self.headers.items()}
        reqh = _Ci(req)
        headers = [(k, expand(v, reqh, now)) for k, v in header_list(spec)]
        names = {k.lower() for k, _ in headers}
        status = int(spec.get("status", 200))
        etag = next((v for k, v in headers if k.lower() == "etag"), None)
        lm = next((v for k, v in headers if k.lower() == "last-modified"), None)
        cond = spec.get("cond", etag is not None or lm is not None)
        not_modified = False
        if cond and status == 200:
            inm = req.get("if-none-match")
            ims = req.get("if-modified-since")
            if inm is not None:
                not_modified = etag is not None and etag_matches(inm, etag)
            elif ims is not None and lm is not None:
                try:
                    not_modified = (email.utils.parsedate_to_datetime(lm)
                                    <= email.utils.parsedate_to_datetime(ims))
                except (TypeError, ValueError):
                    not_modified = False
        if "body_bytes" in spec:
            body = spec["body_bytes"]
        elif "size" in spec:
            pat = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
            n = int(spec["size"])
            body = (pat * (n // len(pat) + 1))[:n]
        else:
            body = expand(spec.get("body", ""), reqh, now).encode()
        if not_modified:
            self.send_response_only(304)
            if "date" not in names:
                self.send_header("Date", http_date(now))
            for k, v in headers:
                if k.lower() not in ("content-length", "content-type"):
                    self.send_header(k, v)
            self.end_headers()
            return
        self.send_response_only(status)
        if "date" not in names:
            self.send_header("Date", http_date(now))
        if "content-type" not in names:
            self.send_header("Content-Type", "text/plain")
        for k, v in headers:
            if k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_POST = serve


class _Ci:
    """Case-insensitive read-only view of the request headers."""
    def __init__(self, d):
        self.d = d

    def get(self, k, default=None):
        return self.d.get(k.lower(), default)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024


def ctl(argv):
    import urllib.request
    base, cmd, args = argv[0], argv[1], argv[2:]

    def call(method, path, data=None):
        body = json.dumps(data).encode() if data is not None else None
        rq = urllib.request.Request(base + path, data=body, method=method)
        with urllib.request.urlopen(rq, timeout=10) as r:
            return r.read().decode()

    if cmd == "set":
        spec = {"path": args[0], "headers": []}
        for a in args[1:]:
            key, _, val = a.partition("=")
            if a == "+":
                spec["append"] = True
            elif a == "close":
                spec["close"] = True
            elif key in ("status", "size", "delay_ms", "delay", "cond") and val:
                spec["delay_ms" if key == "delay" else key] = int(val)
            elif key == "body":
                spec["body"] = val
            elif ": " in a or a.endswith(":"):
                k, _, v = a.partition(":")
                spec["headers"].append([k.strip(), v.strip()])
            else:
                sys.stderr.write("origin.py ctl: set: bad argument '%s'\n" % a)
                return 2
        if "cond" in spec:
            spec["cond"] = bool(spec["cond"])
        call("POST", "/_set", spec)
    elif cmd == "gen":
        spec = {}
        for a in args:
            k, _, v = a.partition("=")
            spec[k] = int(v) if k == "size" else v
        call("POST", "/_gen", spec)
    elif cmd == "reset":
        call("POST", "/_reset", {})
    elif cmd == "count":
        q = ""
        if args:
            q = ("?prefix=" + urllib.parse.quote(args[0][7:])
                 if args[0].startswith("prefix=")
                 else "?path=" + urllib.parse.quote(args[0]))
        sys.stdout.write(call("GET", "/_count" + q))
    elif cmd == "sent":
        lines = call("GET", "/_log?path=%s&header=%s" % (
            urllib.parse.quote(args[0]), urllib.parse.quote(args[1]))).splitlines()
        sys.stdout.write((lines[-1] if lines else "") + "\n")
    elif cmd == "log":
        sys.stdout.write(call("GET", "/_log?path=" + urllib.parse.quote(args[0])))
    else:
        sys.stderr.write("origin.py ctl: unknown command '%s'\n" % cmd)
        return 2
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "ctl":
        return ctl(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--gen-digests", nargs=2, type=int, metavar=("FROM", "TO"))
    ap.add_argument("--gen-size", type=int, default=1024)
    a = ap.parse_args()
    if a.gen_digests:
        for n in range(a.gen_digests[0], a.gen_digests[1] + 1):
            d = hashlib.sha256(gen_body(str(n), a.gen_size)).hexdigest()
            sys.stdout.write("%d\t%s\n" % (n, d))
        return 0

    holder = {"srv": Server(("127.0.0.1", a.port), Handler)}
    port = holder["srv"].server_address[1]
    BASE["url"] = "http://127.0.0.1:%d" % port
    wake = threading.Event()
    pending = []

    def start():
        t = threading.Thread(target=holder["srv"].serve_forever, daemon=True)
        t.start()

    def on_signal(signum, _frame):
        pending.append(signum)
        wake.set()

    signal.signal(signal.SIGUSR1, on_signal)
    signal.signal(signal.SIGUSR2, on_signal)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    start()
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".tmp", a.port_file)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()
    while True:
        if not wake.wait(0.5):
            continue
        wake.clear()
        while pending:
            sig = pending.pop(0)
            if sig == signal.SIGUSR1 and holder["srv"] is not None:
                holder["srv"].shutdown()
                holder["srv"].server_close()
                holder["srv"] = None
            elif sig == signal.SIGUSR2 and holder["srv"] is None:
                holder["srv"] = Server(("127.0.0.1", port), Handler)
                start()


if __name__ == "__main__":
    sys.exit(main())
