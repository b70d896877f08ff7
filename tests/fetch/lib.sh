# What every fetch-with-cache test shares (sourced, issue 7): a scratch
# directory and a scripted origin server (tests/fetch/origin.py on
# 127.0.0.1, a port of its own) that are both gone again when the test
# exits, helpers to script responses and read the origin's counts, and
# fetch/expect to run fetch-with-cache with a private cache directory and
# check its TSV rows. Failures are counted in $failed by fail().
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
: "${TOP_BUILDDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
LC_ALL=C
export LC_ALL
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }

# need_tools TOOL...: fails the test at once when one is missing.
need_tools() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is not on PATH"; exit 1; }
	done
}
command -v python3 >/dev/null 2>&1 ||
	{ echo "FAIL: python3 is not on PATH (the origin server is tests/fetch/origin.py)"; exit 1; }
need_tools fetch-with-cache
# The interpreter itself, not a version manager's shim: each control call
# starts it again.
PY=$(python3 -c 'import sys; print(sys.executable)')
ORIGIN_PY=$TOP_SRCDIR/tests/fetch/origin.py
command -v curl >/dev/null 2>&1 && have_curl=1 || have_curl=0

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-test.XXXXXX")
origin_pid=
# bg_pids: processes a test started in the background (fetch-with-cache
# runs), killed at exit should the test end before them.
bg_pids=
cleanup() {
	for p in $bg_pids; do kill -9 "$p" 2>/dev/null || :; done
	[ -z "$origin_pid" ] || kill "$origin_pid" 2>/dev/null || :
	[ -z "$origin_pid" ] || wait "$origin_pid" 2>/dev/null || :
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
cd "$work" || exit 1

# origin_start: starts the origin, sets PORT and BASE (http://127.0.0.1:PORT).
origin_start() {
	rm -f "$work/origin.port"
	"$PY" "$ORIGIN_PY" --port-file "$work/origin.port" >"$work/origin.out" 2>"$work/origin.err" &
	origin_pid=$!
	i=0
	while [ ! -s "$work/origin.port" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$origin_pid" 2>/dev/null; then
			echo "FAIL: the origin server did not start: $(cat "$work/origin.err")"
			exit 1
		fi
		sleep 0.05
	done
	PORT=$(cat "$work/origin.port")
	BASE=http://127.0.0.1:$PORT
}

# origin_down / origin_up: the origin stops listening (connections refused,
# its counts kept) and listens again on the same port.
origin_down() {
	kill -USR1 "$origin_pid"
	: >"$work/origin.down"
	i=0
	while port_open "$PORT"; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "FAIL: origin still listening"; exit 1; }
		sleep 0.05
	done
}
origin_up() {
	rm -f "$work/origin.down"
	kill -USR2 "$origin_pid"
	i=0
	until port_open "$PORT"; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "FAIL: origin not listening again"; exit 1; }
		sleep 0.05
	done
}
port_open() {
	"$PY" -c 'import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

# dead_port: a port on 127.0.0.1 where nothing listens.
dead_port() {
	"$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ctl METHOD PATH [JSON]: one call to a control endpoint; prints the answer.
ctl() {
	if [ "$have_curl" = 1 ]; then
		if [ $# -gt 2 ]; then
			curl -sSf --max-time 10 -X "$1" --data-binary "$3" "$BASE$2"
		else
			curl -sSf --max-time 10 -X "$1" "$BASE$2"
		fi
	else
		"$PY" -c 'import sys, urllib.request
d = sys.argv[3].encode() if len(sys.argv) > 3 else None
r = urllib.request.Request(sys.argv[2], data=d, method=sys.argv[1])
sys.stdout.write(urllib.request.urlopen(r, timeout=10).read().decode())' "$1" "$BASE$2" "$@"
	fi
}

# json_str S: S as a JSON string.
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# respond PATH [+] ARG...: what the origin answers on PATH from now on (+:
# the next response of its sequence instead). ARG: status=N body=TEXT
# size=N delay=MS close cond=0|1, or a header 'Name: value'. In values,
# {now}, {now-N}, {now+N} are HTTP-dates at response time, {base} is BASE,
# {req:NAME} a request header.
respond() {
	j="\"path\":$(json_str "$1")"
	shift
	h=
	for a in "$@"; do
		case $a in
		+) j="$j,\"append\":true" ;;
		close) j="$j,\"close\":true" ;;
		status=*|size=*) j="$j,\"${a%%=*}\":${a#*=}" ;;
		delay=*) j="$j,\"delay_ms\":${a#*=}" ;;
		cond=0) j="$j,\"cond\":false" ;;
		cond=1) j="$j,\"cond\":true" ;;
		body=*) j="$j,\"body\":$(json_str "${a#body=}")" ;;
		*:*) h="$h${h:+,}[$(json_str "${a%%:*}"),$(json_str "$(echo "${a#*:}" | sed 's/^ *//')")]" ;;
		*) echo "FAIL: respond: bad argument '$a'"; exit 1 ;;
		esac
	done
	ctl POST /_set "{$j,\"headers\":[$h]}" >/dev/null ||
		{ echo "FAIL: respond: the origin refused the setting"; exit 1; }
}
origin_reset() { ctl POST /_reset '{}' >/dev/null; }
# gen_set KEY=VALUE...: the /gen/N settings (cache_control=CC, size=N).
gen_set() {
	j=
	for a in "$@"; do
		case $a in
		size=*) j="$j${j:+,}\"size\":${a#*=}" ;;
		*) j="$j${j:+,}$(json_str "${a%%=*}"):$(json_str "${a#*=}")" ;;
		esac
	done
	ctl POST /_gen "{$j}" >/dev/null
}
# count [PATH | prefix=P]: requests the origin got (all without argument).
count() {
	case ${1-} in
	'') ctl GET /_count ;;
	prefix=*) ctl GET "/_count?prefix=${1#prefix=}" ;;
	*) ctl GET "/_count?path=$1" ;;
	esac
}
# sent PATH NAME: request header NAME of the last request to PATH ("-" when
# it was absent, empty when no request came).
sent() { ctl GET "/_log?path=$1&header=$2" | tail -n 1; }
# http_date OFFSET: the HTTP-date OFFSET seconds from now, fixed when the
# case sets it (a {now-N} token is evaluated anew at every response, which
# would move a Last-Modified validator).
http_date() { date -u -d "@$(($(date +%s) + $1))" '+%a, %d %b %Y %H:%M:%S GMT'; }
# gen_digests FROM TO: "N<TAB>sha256" of each /gen/N body at the current size.
gen_digests() { "$PY" "$ORIGIN_PY" --gen-digests "$1" "$2" --gen-size "${GEN_SIZE:-1024}"; }

# expand_url U: a leading / is a path on the origin; {base}, {port} and
# {deadport} are replaced.
expand_url() {
	case $1 in
	/*) u=$BASE$1 ;;
	*) u=$1 ;;
	esac
	case $u in *'{deadport}'*) DEAD_PORT=${DEAD_PORT:-$(dead_port)} ;; esac
	printf '%s\n' "$u" | sed "s|{base}|$BASE|g; s|{port}|$PORT|g; s|{deadport}|${DEAD_PORT:-0}|g"
}

# fwc ARG...: fetch-with-cache on the test's cache directory.
CACHE=$work/cache
fwc() { fetch-with-cache --cache-dir "$CACHE" "$@"; }

# fetch URL... [-- OPTION...]: fetches the URLs (one a line, text input) with
# --digest and --out tsv into $work/last.tsv; exit status in $last_exit,
# stderr in $work/last.err. The URLs' paths are remembered for expect.
fetch() {
	: >"$work/last.urls"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		expand_url "$1" >>"$work/last.urls"
		shift
	done
	[ $# -eq 0 ] || shift
	last_exit=0
	fwc --in lines -c 1 --digest --out tsv "$@" <"$work/last.urls" \
		>"$work/last.tsv" 2>"$work/last.err" || last_exit=$?
	last_cmd="fetch-with-cache --cache-dir DIR --in lines -c 1 --digest --out tsv $* < [$(tr '\n' ' ' <"$work/last.urls")]"
}

# col FILE ROW NAME: the value of column NAME in data row ROW (1-based) of
# a TSV file with a header line; "<no column NAME>" / "<no row ROW>". Plain
# shell: expect calls it for every check.
col() {
	_i=0 _hdr='' _data='<no row>'
	while IFS= read -r _line; do
		if [ $_i -eq 0 ]; then
			_hdr=$_line
		elif [ $_i -eq "$2" ]; then
			_data=$_line
			break
		fi
		_i=$((_i + 1))
	done <"$1"
	[ "$_data" != '<no row>' ] || { echo "<no row $2>"; return 0; }
	_tab=$(printf '\t')
	_hdr="$_hdr$_tab" _data="$_data$_tab"
	while [ -n "$_hdr" ]; do
		if [ "${_hdr%%"$_tab"*}" = "$3" ]; then
			printf '%s\n' "${_data%%"$_tab"*}"
			return 0
		fi
		_hdr=${_hdr#*"$_tab"} _data=${_data#*"$_tab"}
	done
	echo "<no column $3>"
}

# count_of PATH: from $work/counts (the origin's /_counts, read once per
# expect), 0 when never requested.
count_of() {
	_n=0
	while IFS="$(printf '\t')" read -r _p _c; do
		[ "$_p" != "$1" ] || _n=$_c
	done <"$work/counts"
	echo "$_n"
}

# expect [row=N] CHECK...: checks the last fetch. CHECK is KEY=V, KEY!=V,
# KEY~V (contains), KEY<V or KEY>V (numbers); {base} and {port} in V are
# replaced. KEY: a column of
# the TSV output (cache, status, attempts, error, a --response-header
# name...), exit (the exit status), rows (data rows), count (origin
# requests to the row's path), count:PATH, sent:NAME (request header NAME
# the origin last got for the row's path), body (the row's sha256 is that
# of the text V).
expect() {
	row=1
	case ${1-} in row=*) row=${1#row=}; shift ;; esac
	url=$(sed -n "${row}p" "$work/last.urls")
	# the row's path on the origin (scheme, authority, query, fragment cut)
	what=$(printf '%s\n' "$url" | sed -E 's|^[A-Za-z][A-Za-z0-9+.-]*://[^/]*||; s|[?#].*||')
	counted=0
	for c in "$@"; do
		# KEY is all before the first operator character
		k=${c%%[=~<>!]*}
		rest=${c#"$k"}
		case $rest in
		'!='*) op='!=' ;;
		[=~\<\>]*) op=${rest%"${rest#?}"} ;;
		*) echo "FAIL: expect: bad check '$c'"; exit 1 ;;
		esac
		v=${rest#"$op"}
		case $v in *'{'*) v=$(printf '%s\n' "$v" | sed "s|{base}|$BASE|g; s|{port}|$PORT|g") ;; esac
		case $k in
		count|count:*)
			[ $counted = 1 ] || { ctl GET /_counts >"$work/counts"; counted=1; } ;;
		esac
		case $k in
		exit) got=$last_exit ;;
		rows) got=0; while IFS= read -r _l; do got=$((got + 1)); done <"$work/last.tsv"; [ $got -eq 0 ] || got=$((got - 1)) ;;
		count) got=$(count_of "$what") ;;
		count:*) got=$(count_of "${k#count:}") ;;
		sent:*) got=$(sent "$what" "${k#sent:}") ;;
		body)
			got=$(col "$work/last.tsv" "$row" sha256)
			v=$(printf '%s' "$v" | sha256sum | cut -d' ' -f1) ;;
		*) got=$(col "$work/last.tsv" "$row" "$k") ;;
		esac
		r=1
		case $op in
		=) [ "$got" = "$v" ] && r=0 || r=1 ;;
		!=) [ "$got" != "$v" ] && r=0 || r=1 ;;
		'~') case $got in *"$v"*) r=0 ;; *) r=1 ;; esac ;;
		*) awk -v a="$got" -v b="$v" -v op="$op" 'BEGIN {
			if (a !~ /^-?[0-9.]+$/) exit 1
			exit !(op == "<" ? a + 0 < b + 0 : a + 0 > b + 0) }' && r=0 || r=1 ;;
		esac
		if [ $r -ne 0 ]; then
			fail "${CASE:+$CASE: }row $row ($url): expected $k $op '$v', got '$got'"
			echo "  command: $last_cmd (exit $last_exit)"
			sed 's/^/  out: /' "$work/last.tsv" | head -5
			sed 's/^/  err: /' "$work/last.err" | head -5
			finding "${CASE:-?}" "$last_cmd" "row $row: $k $op '$v'" "'$got'"
		fi
	done
}

# finding CASE COMMAND EXPECTED GOT: appended to $FETCH_FINDINGS when set
# (a file a developer reads; make check leaves it unset).
finding() {
	[ -n "${FETCH_FINDINGS-}" ] || return 0
	printf '%s [%s] %s\n  command: %s\n  expected: %s\n  got: %s\n' \
		"$(date -u +%FT%TZ)" "$PIPESTAGE_IO_NAME" "$1" "$2" "$3" "$4" >>"$FETCH_FINDINGS"
}
PIPESTAGE_IO_NAME=${PIPESTAGE_IO:-default}
