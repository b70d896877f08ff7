#!/bin/sh
# fetch-with-cache against curl --parallel and requests-cache, fetching
# small files (about 1 KB each) from nginx on 127.0.0.1, in one run:
#   cold:   fetch-with-cache --digest into an empty --cache-dir (default -P 64)
#           vs curl --parallel --parallel-max 64 -s --no-progress-meter -K CONFIG
#           (url = / output = /dev/null lines; curl 7.88 draws its parallel
#           progress meter despite -s unless --no-progress-meter is given)
#           vs bench/fetch-requests-cache.py (requests-cache, SQLite backend,
#           cache_control=True, 16 threads) on an empty cache;
#   warm:   the same URLs answered by a populated cache, all fresh (nginx sends
#           Cache-Control: max-age=3600): fetch-with-cache vs requests-cache;
#           nginx's access log of those URLs must not grow while they are timed;
#   revalidation: URLs nginx serves with Cache-Control: no-cache (and its
#           usual ETag and Last-Modified), so every request of a populated
#           cache is a conditional one answered 304, vs the cold run;
#   memory: fetch-with-cache's peak RSS for BIG_URLS distinct URLs into an
#           empty cache (and for URLS, to compare), curl's for reference.
# Targets (issue 7): cold >= 1.5x curl and >= 20x requests-cache; warm >= 30x
# requests-cache with no request reaching the origin; revalidation no slower
# than cold; peak RSS <= 64 MiB for 100,000 URLs.
#
# The script starts its own nginx (Debian's nginx-light does; NGINX to pick
# another binary) with a private config, prefix, logs and port under a
# temporary directory, and stops it on exit. FILES (10,000) distinct files of
# about 1 KB are generated once under BENCH_DATA/fetch-www; URL i is
# /LOCATION/%06d of i, which nginx maps to file i mod 10000, so every URL of a
# list is distinct while the files stay 10,000. Before timing, one untimed
# run of each case checks the outcome (fetch-with-cache's cache and status
# columns, every sha256 against sha256sum of the files; curl's status codes;
# requests-cache's from_cache). fetch-with-cache's cold runs each get a new
# empty cache directory (mktemp -d in the timed command; the directories
# are removed at the end, not while timing). Its timed runs exit non-zero,
# failing the benchmark, when a row fails (--fail-on status, the default).
#
# requests-cache is slow (about 150 URLs/s cold here: its SQLite backend
# commits every response with synchronous=FULL from 16 connections): it
# fetches the first RC_URLS URLs only (default 2000, at most URLS), and its
# times are scaled to URLS for the ratios as S + (T - S) * URLS / RC_URLS,
# where S is the median time of python3 importing requests_cache (timed
# alongside), so that its start-up is counted once, not URLS/RC_URLS times.
# Its timed runs pass --expect miss / hit, so a run that is not all misses
# (cold) or all hits (warm) fails the benchmark. Its warm cache is filled
# with --fast-save (untimed; the rows are the same).
#
# Environment: FETCH_WITH_CACHE (the stage; find_stage, and a libtool
# wrapper named here is replaced by the binary it runs), BENCH_DATA, RUNS
# (default 3), URLS (default 10000), BIG_URLS (default 100000; 0 skips the
# memory case), RC_URLS (default 2000, at most URLS), RC_THREADS (default
# 16), PARALLEL (fetch-with-cache -P and curl --parallel-max, default 64),
# FWC_OPTS (more options for fetch-with-cache, e.g. --per-host 64), NGINX,
# NGINX_WORKERS (default auto), PORT (default: the first free one from
# 18181), PYTHON (default /usr/bin/python3), PEERS_ONLY=1 (time curl and
# requests-cache alone, without the stage).
set -eu
RUNS=${RUNS:-3} # before lib.sh, whose default is 5
. "$(dirname "$0")/lib.sh"
URLS=${URLS:-10000}
BIG_URLS=${BIG_URLS:-100000}
RC_URLS=${RC_URLS:-$([ "$URLS" -lt 2000 ] && echo "$URLS" || echo 2000)}
RC_THREADS=${RC_THREADS:-16}
PARALLEL=${PARALLEL:-64}
FWC_OPTS=${FWC_OPTS:-}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
PYTHON=${PYTHON:-/usr/bin/python3}
PEERS_ONLY=${PEERS_ONLY:-}
FILES=10000
LC_ALL=C
export LC_ALL

[ "$URLS" -ge 1 ] && [ "$URLS" -le 999999 ] || die "URLS must be in 1..999999"
[ "$BIG_URLS" -le 999999 ] || die "BIG_URLS must be at most 999999"
[ "$RC_URLS" -ge 1 ] && [ "$RC_URLS" -le "$URLS" ] || die "RC_URLS must be in 1..URLS"

FETCH_WITH_CACHE=${FETCH_WITH_CACHE:-}
if [ -z "$PEERS_ONLY" ]; then
	find_stage fetch-with-cache
	# A libtool wrapper named in FETCH_WITH_CACHE (a build tree other than
	# ./build): time the binary it runs, as find_stage does for ./build.
	if sed -n 1,5p "$FETCH_WITH_CACHE" 2>/dev/null | grep -q 'wrapper script for'; then
		w_p=$(sed -n "s/^ *program='\(.*\)'\$/\1/p" "$FETCH_WITH_CACHE" | head -n 1)
		w_l=$(sed -n 's/^ *LD_LIBRARY_PATH="\(.*\):\$LD_LIBRARY_PATH"$/\1/p' "$FETCH_WITH_CACHE" | head -n 1)
		if [ -n "$w_p" ] && [ -x "$(dirname "$FETCH_WITH_CACHE")/.libs/$w_p" ]; then
			FETCH_WITH_CACHE=$(dirname "$FETCH_WITH_CACHE")/.libs/$w_p
			[ -z "$w_l" ] || { LD_LIBRARY_PATH=$w_l${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; export LD_LIBRARY_PATH; }
		fi
	fi
fi
NGINX=${NGINX:-$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || die "nginx not found (apt-get install nginx-light), or set NGINX"
for t in curl sha256sum awk; do
	command -v $t >/dev/null 2>&1 || die "$t not found"
done
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
"$PYTHON" -c 'import requests_cache' 2>/dev/null ||
	die "$PYTHON cannot import requests_cache (apt-get install python3-requests-cache)"
curl --version | grep -q 'Features:.*' || die "curl --version failed"
data_dir

# The files: FILES of 900 to 1148 bytes, each different, made once.
www=$BENCH_DATA/fetch-www
if [ ! -s "$www/9999.html" ]; then
	echo "generating $FILES files in $www" >&2
	rm -rf "$www.tmp" && mkdir -p "$www.tmp"
	awk -v dir="$www.tmp" -v n="$FILES" 'BEGIN {
		fill = "abcdefghijklmnopqrstuvwxyz0123456789"
		for (i = 0; i < n; i++) {
			f = sprintf("%s/%04d.html", dir, i)
			size = 900 + (i * 7919) % 249
			s = sprintf("<!doctype html><title>page %d</title><p>", i)
			while (length(s) < size - 5) s = s substr(fill, 1 + (i + length(s)) % 36, 1 + i % 31)
			printf "%s</p>\n", substr(s, 1, size - 5) > f
			close(f)
		}
	}' || die "cannot write $www.tmp"
	rm -rf "$www" && mv "$www.tmp" "$www"
fi
www=$(cd "$www" && pwd)
cat "$www"/*.html >/dev/null # into the page cache

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-fetch.XXXXXX") || die "mktemp failed"
chmod 755 "$work"
ng_pid=
cleanup() {
	if [ -n "$ng_pid" ]; then
		kill "$ng_pid" 2>/dev/null || :
		wait "$ng_pid" 2>/dev/null || :
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nginx: one server on 127.0.0.1:PORT, its files alias-mapped per location:
#   /cold/  max-age=3600, not logged (the cold case; every run a new cache)
#   /warm/  max-age=3600, logged to warm.log (the warm case counts it)
#   /reval/ no-cache, logged to reval.log (every stored response revalidated)
#   /big/   max-age=3600, not logged (the memory case)
# Workers run as root when the script does (the files are under a private
# temporary directory); keepalive_requests is high so that no client pays
# for reconnecting every 1000 requests (nginx's default).
ng=$work/nginx
mkdir -p "$ng/tmp" "$ng/logs"
ng_conf() {
	cat <<EOF
$([ "$(id -u)" = 0 ] && echo 'user root;')
worker_processes $NGINX_WORKERS;
daemon off;
pid $ng/nginx.pid;
error_log $ng/logs/error.log warn;
events { worker_connections 4096; }
http {
	types { text/html html; }
	default_type application/octet-stream;
	access_log off;
	sendfile on;
	tcp_nodelay on;
	keepalive_requests 1000000;
	keepalive_timeout 120s;
	client_body_temp_path $ng/tmp/body;
	proxy_temp_path $ng/tmp/proxy;
	fastcgi_temp_path $ng/tmp/fastcgi;
	uwsgi_temp_path $ng/tmp/uwsgi;
	scgi_temp_path $ng/tmp/scgi;
	server {
		listen 127.0.0.1:$1 backlog=4096;
		location ~ "^/cold/[0-9]*([0-9]{4})\$" {
			alias $www/\$1.html;
			add_header Cache-Control "max-age=3600";
		}
		location ~ "^/warm/[0-9]*([0-9]{4})\$" {
			alias $www/\$1.html;
			add_header Cache-Control "max-age=3600";
			access_log $ng/logs/warm.log;
		}
		location ~ "^/reval/[0-9]*([0-9]{4})\$" {
			alias $www/\$1.html;
			add_header Cache-Control "no-cache";
			access_log $ng/logs/reval.log;
		}
		location ~ "^/big/[0-9]*([0-9]{4})\$" {
			alias $www/\$1.html;
			add_header Cache-Control "max-age=3600";
		}
	}
}
EOF
}
port=${PORT:-18181}
tries=0
while :; do
	ng_conf "$port" >"$ng/nginx.conf"
	: >"$ng/logs/error.log"
	"$NGINX" -p "$ng" -c "$ng/nginx.conf" -e "$ng/logs/error.log" 2>>"$ng/logs/error.log" &
	ng_pid=$!
	i=0
	while [ $i -lt 50 ] && kill -0 "$ng_pid" 2>/dev/null &&
		! curl -sf -o /dev/null "http://127.0.0.1:$port/cold/000000"; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$ng_pid" 2>/dev/null && curl -sf -o /dev/null "http://127.0.0.1:$port/cold/000000"; then
		break
	fi
	kill "$ng_pid" 2>/dev/null || :
	wait "$ng_pid" 2>/dev/null || :
	ng_pid=
	tries=$((tries + 1))
	if [ -n "${PORT:-}" ] || [ $tries -ge 20 ] || ! grep -q 'in use' "$ng/logs/error.log"; then
		cat "$ng/logs/error.log" >&2
		die "nginx did not start on 127.0.0.1:$port"
	fi
	port=$((port + 1))
done
base=http://127.0.0.1:$port
echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*version: //') on $base (pid $ng_pid, worker_processes $NGINX_WORKERS)"
# the 304 path works (nginx compares If-None-Match with its ETag)
etag=$(curl -sI "$base/reval/000000" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/reval/000000")" = 304 ] ||
	die "nginx does not answer a conditional request with 304"

# URL lists (text, one a line) and curl's config for the cold list.
urls() { # LOCATION N
	awk -v b="$base/$1/" -v n="$2" 'BEGIN {for (i = 0; i < n; i++) printf "%s%06d\n", b, i}'
}
urls cold "$URLS" >"$work/cold.txt"
urls warm "$URLS" >"$work/warm.txt"
urls reval "$URLS" >"$work/reval.txt"
[ "$BIG_URLS" -eq 0 ] || urls big "$BIG_URLS" >"$work/big.txt"
awk '{printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0}' "$work/cold.txt" >"$work/curl-cold.cfg"
[ "$BIG_URLS" -eq 0 ] || awk '{printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0}' "$work/big.txt" >"$work/curl-big.cfg"
(cd "$www" && sha256sum -- *.html) | awk '{sub(/\.html$/, "", $2); print $2, $1}' >"$work/sha256.txt"
loglines() { if [ -f "$ng/logs/$1.log" ]; then wc -l <"$ng/logs/$1.log"; else echo 0; fi; }

fwc() { "$FETCH_WITH_CACHE" --in lines -c 1 -P "$PARALLEL" $FWC_OPTS "$@"; }
rc() { "$PYTHON" "$bench_dir/fetch-requests-cache.py" --threads "$RC_THREADS" "$@"; }

# check_fwc WHAT EXPECTED-CACHE < TSV: every row status 200, its cache column
# EXPECTED-CACHE, its sha256 that of its file; URLS rows.
check_fwc() {
	awk -v what="$1" -v want="$2" -v n="$URLS" 'FNR == NR {sha[$1] = $2; next}
		FNR == 1 {for (i = 1; i <= NF; i++) c[$i] = i
			if (!c["url"] || !c["status"] || !c["cache"] || !c["sha256"]) {
				print what ": columns url, status, cache, sha256 expected, got: " $0; bad = 1; exit 1 }
			next}
		{rows++; u = $c["url"]; f = substr(u, length(u) - 3)
		 if ($c["status"] != 200) nstatus++
		 if ($c["cache"] != want) {ncache++; if (!firstc) firstc = $c["cache"]}
		 if ($c["sha256"] != sha[f]) nsha++}
		END {if (bad) exit 1
			printf "check %s: %d rows, %d not status 200, %d not cache=%s%s, %d wrong sha256\n",
				what, rows, nstatus, ncache, want, (ncache ? " (e.g. " firstc ")" : ""), nsha
			exit !(rows == n && !nstatus && !ncache && !nsha)}' "$work/sha256.txt" FS='\t' - ||
		die "check $1 failed"
}

echo
echo "== checks (untimed)"
# curl: every transfer 200
curl --parallel --parallel-max "$PARALLEL" -s --no-progress-meter -K "$work/curl-cold.cfg" -w '%{http_code}\n' |
	awk -v n="$URLS" '{s[$1]++} END {printf "check curl: %d transfers, %d status 200\n", NR, s[200]; exit !(NR == n && s[200] == n)}' ||
	die "check curl failed"
if [ -z "$PEERS_ONLY" ]; then
	mkdir "$work/fwc-warm" "$work/fwc-reval" "$work/fwc-check"
	fwc --cache-dir "$work/fwc-check" --digest --out tsv --stats <"$work/cold.txt" 2>"$work/stats" |
		check_fwc "fetch-with-cache cold" miss
	sed 's/^/  /' "$work/stats"
	# the warm cache, filled from /warm/ (the first fill: all misses)
	w0=$(loglines warm)
	fwc --cache-dir "$work/fwc-warm" --digest --out tsv <"$work/warm.txt" | check_fwc "fetch-with-cache warm fill" miss
	w1=$(loglines warm)
	[ $((w1 - w0)) -eq "$URLS" ] || die "filling the warm cache made $((w1 - w0)) requests, not $URLS"
	fwc --cache-dir "$work/fwc-warm" --digest --out tsv --stats <"$work/warm.txt" 2>"$work/stats" |
		check_fwc "fetch-with-cache warm" hit
	sed 's/^/  /' "$work/stats"
	w2=$(loglines warm)
	[ "$w2" -eq "$w1" ] || die "the warm run made $((w2 - w1)) requests to nginx"
	echo "check fetch-with-cache warm: 0 requests reached nginx"
	# the revalidation cache, filled from /reval/ (no-cache: stored, never fresh)
	fwc --cache-dir "$work/fwc-reval" --digest --out tsv <"$work/reval.txt" | check_fwc "fetch-with-cache revalidation fill" miss
	r0=$(loglines reval)
	fwc --cache-dir "$work/fwc-reval" --digest --out tsv --stats <"$work/reval.txt" 2>"$work/stats" |
		check_fwc "fetch-with-cache revalidation" revalidated
	sed 's/^/  /' "$work/stats"
	awk -v r0="$r0" 'NR > r0 {n++; if ($9 == 304) k++}
		END {printf "check fetch-with-cache revalidation: %d requests reached nginx, %d answered 304\n", n, k
			exit !(n == k)}' "$ng/logs/reval.log" || die "not every revalidation was answered 304"
fi
w0=$(loglines warm)
rc --fresh --fast-save --expect miss --limit "$RC_URLS" "$work/warm.txt" "$work/rc-warm.sqlite" ||
	die "filling requests-cache's warm cache failed"
w1=$(loglines warm)
rc --expect hit --limit "$RC_URLS" "$work/warm.txt" "$work/rc-warm.sqlite" ||
	die "check requests-cache warm failed"
w2=$(loglines warm)
[ "$w2" -eq "$w1" ] || die "requests-cache's warm run made $((w2 - w1)) requests to nginx"
echo "check requests-cache warm: 0 requests reached nginx (its fill made $((w1 - w0)))"
rm -rf "$work/fwc-check"

echo
echo "== timing: $URLS URLs (requests-cache: $RC_URLS), $RUNS runs each, median"
mkdir "$work/cold"
c_fwc_cold="'$FETCH_WITH_CACHE' --in lines -c 1 -P $PARALLEL $FWC_OPTS --digest --cache-dir \"\$(mktemp -d $work/cold/c.XXXXXX)\" < $work/cold.txt > /dev/null"
c_curl="curl --parallel --parallel-max $PARALLEL -s --no-progress-meter -K $work/curl-cold.cfg"
c_rc_cold="'$PYTHON' $bench_dir/fetch-requests-cache.py --threads $RC_THREADS --limit $RC_URLS --fresh --expect miss $work/cold.txt $work/rc-cold.sqlite 2> /dev/null"
c_fwc_warm="'$FETCH_WITH_CACHE' --in lines -c 1 -P $PARALLEL $FWC_OPTS --digest --cache-dir $work/fwc-warm < $work/warm.txt > /dev/null"
c_rc_warm="'$PYTHON' $bench_dir/fetch-requests-cache.py --threads $RC_THREADS --limit $RC_URLS --expect hit $work/warm.txt $work/rc-warm.sqlite 2> /dev/null"
c_py="'$PYTHON' -c \"import concurrent.futures, hashlib, requests, requests_cache\""
c_fwc_reval="'$FETCH_WITH_CACHE' --in lines -c 1 -P $PARALLEL $FWC_OPTS --digest --cache-dir $work/fwc-reval < $work/reval.txt > /dev/null"
w0=$(loglines warm)
r0=$(loglines reval)
if [ -z "$PEERS_ONLY" ]; then
	bench_compare "fetch-with-cache cold" "$c_fwc_cold" "curl --parallel" "$c_curl" \
		"requests-cache cold" "$c_rc_cold" "fetch-with-cache warm" "$c_fwc_warm" \
		"requests-cache warm" "$c_rc_warm" "fetch-with-cache revalidation" "$c_fwc_reval" \
		"python3 start-up" "$c_py"
	t_fc=$T1 t_cu=$T2 t_rc=$T3 t_fw=$T4 t_rw=$T5 t_fr=$T6 t_py=$T7
else
	bench_compare "curl --parallel" "$c_curl" "requests-cache cold" "$c_rc_cold" \
		"requests-cache warm" "$c_rc_warm" "python3 start-up" "$c_py"
	t_fc= t_cu=$T1 t_rc=$T2 t_fw= t_rw=$T3 t_fr= t_py=$T4
fi
w1=$(loglines warm)
r1=$(loglines reval)
warm_reqs=$((w1 - w0))
reval_304=$(awk -v r0="$r0" 'NR > r0 && $9 == 304 {k++} END {print k + 0}' "$ng/logs/reval.log" 2>/dev/null || echo 0)
rm -rf "$work/cold"

# peak RSS
rss_fwc= rss_fwc_small= rss_curl= s_fwc_big=
if [ "$BIG_URLS" -gt 0 ]; then
	echo
	echo "== peak RSS: $BIG_URLS URLs, empty cache"
	if [ -z "$PEERS_ONLY" ]; then
		mkdir "$work/fwc-big" "$work/fwc-small"
		peak_rss "$work/big.tsv" "'$FETCH_WITH_CACHE' --in lines -c 1 -P $PARALLEL $FWC_OPTS --digest --out tsv --cache-dir $work/fwc-big < $work/big.txt"
		rss_fwc=$RSS_KIB s_fwc_big=$RSS_S
		echo "fetch-with-cache: $RSS_KIB KiB, ${RSS_S}s (user ${RSS_USER}s, sys ${RSS_SYS}s)"
		awk -F'\t' 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
			{n++; if ($c["status"] == 200 && $c["cache"] == "miss") ok++}
			END {printf "  %d rows, %d status 200 and cache=miss\n", n, ok}' "$work/big.tsv"
		rm -rf "$work/fwc-big" "$work/big.tsv"
		peak_rss /dev/null "'$FETCH_WITH_CACHE' --in lines -c 1 -P $PARALLEL $FWC_OPTS --digest --cache-dir $work/fwc-small < $work/cold.txt"
		rss_fwc_small=$RSS_KIB
		echo "fetch-with-cache on $URLS URLs: $RSS_KIB KiB, ${RSS_S}s"
		rm -rf "$work/fwc-small"
	fi
	peak_rss /dev/null "curl --parallel --parallel-max $PARALLEL -s --no-progress-meter -K $work/curl-big.cfg"
	rss_curl=$RSS_KIB
	echo "curl --parallel: $RSS_KIB KiB, ${RSS_S}s"
fi

echo
echo "== results ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $URLS URLs of 900-1148 bytes from nginx on 127.0.0.1)"
echo "$(curl --version | sed 1q | cut -d' ' -f1-2); requests-cache $("$PYTHON" -c 'import requests_cache; print(requests_cache.__version__)') with $RC_THREADS threads; -P / --parallel-max $PARALLEL${FWC_OPTS:+; fetch-with-cache $FWC_OPTS}"
[ "$RC_URLS" -eq "$URLS" ] ||
	echo "requests-cache fetched the first $RC_URLS URLs only; its times are scaled: S + (T - S) * $URLS / $RC_URLS, S = python3 start-up"
awk -v n="$URLS" -v rcn="$RC_URLS" -v fc="$t_fc" -v cu="$t_cu" -v rc="$t_rc" -v fw="$t_fw" -v rw="$t_rw" -v py="$t_py" \
	-v fr="$t_fr" -v warm_reqs="$warm_reqs" -v reval_304="$reval_304" -v reval_reqs="$((r1 - r0))" \
	-v runs="$RUNS" -v big="$BIG_URLS" -v rss="$rss_fwc" -v rss_small="$rss_fwc_small" -v rss_curl="$rss_curl" \
	-v s_big="$s_fwc_big" 'function row(name, t) {
		if (t == "") printf "%-34s %10s %10s\n", name, "-", "-"
		else printf "%-34s %10.3f %10.0f\n", name, t, n / t
	}
	function verdict(ok) { return ok ? "met" : "NOT met" }
	BEGIN {
		sc = n / rcn; rc0 = rc; rw0 = rw
		if (sc != 1) {rc = py + (rc - py) * sc; rw = py + (rw - py) * sc}
		printf "%-34s %10s %10s\n", "case", "seconds", "URLs/s"
		row("fetch-with-cache cold", fc)
		row("curl --parallel (cold)", cu)
		row("requests-cache cold" (sc != 1 ? " (scaled)" : ""), rc)
		row("fetch-with-cache warm", fw)
		row("requests-cache warm" (sc != 1 ? " (scaled)" : ""), rw)
		row("fetch-with-cache revalidation", fr)
		printf "%-34s %10.3f\n", "python3 start-up (S)", py
		if (sc != 1)
			printf "requests-cache measured on %d URLs: cold %.3fs, warm %.3fs\n", rcn, rc0, rw0
		print ""
		if (fc != "") {
			printf "cold:  %.2fx curl (target >= 1.5x): %s; %.1fx requests-cache (target >= 20x): %s\n",
				cu / fc, verdict(cu / fc >= 1.5), rc / fc, verdict(rc / fc >= 20)
			printf "warm:  %.1fx requests-cache (target >= 30x): %s; requests to nginx during %d timed warm runs of each: %d (target 0): %s\n",
				rw / fw, verdict(rw / fw >= 30), runs + 1, warm_reqs, verdict(warm_reqs == 0)
			printf "revalidation: %.2fx the cold run'"'"'s time (target <= 1): %s; %d requests, %d answered 304\n",
				fr / fc, verdict(fr <= fc), reval_reqs, reval_304
		} else {
			printf "(PEERS_ONLY: no fetch-with-cache) curl is %.1fx as fast as requests-cache cold; requests-cache warm is %.1fx its cold; requests to nginx during warm runs: %d\n",
				rc / cu, rc / rw, warm_reqs
		}
		if (big > 0) {
			if (rss != "")
				printf "peak RSS, %d URLs: fetch-with-cache %.1f MiB (target <= 64 MiB): %s, in %.2fs; on %d URLs %.1f MiB; curl %.1f MiB\n",
					big, rss / 1024, verdict(rss <= 65536), s_big, n, rss_small / 1024, rss_curl / 1024
			else
				printf "peak RSS, %d URLs: curl %.1f MiB\n", big, rss_curl / 1024
		}
	}'
