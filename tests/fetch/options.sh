#!/bin/sh
# fetch-with-cache's output and transfer options (issue 7) that the RFC 9111
# cases do not reach: --body (a binary column, printed as hex in TSV),
# --all-headers, --user-agent as sent, --unordered (every row once, in any
# order), --per-host 1 with --rate (every row fetched), --no-store (nothing
# written, every run asks), --stats and --fail-on never; and the usage
# errors, each exit 2 before any request.
set -eu
: "${TOP_SRCDIR:?run through make check, or set TOP_SRCDIR and TOP_BUILDDIR}"
. "$TOP_SRCDIR/tests/fetch/lib.sh"
origin_start

respond /o 'Cache-Control: max-age=3600' 'X-Test: one' body=hello
echo "$BASE/o" >one

fwc --in lines -c 1 --body --all-headers --out tsv <one >body.tsv 2>body.err ||
	fail "--body: exit status $?: $(head -3 body.err)"
[ "$(col body.tsv 1 body)" = 68656c6c6f ] ||
	fail "--body: expected hex of 'hello', got '$(col body.tsv 1 body)'"
case $(col body.tsv 1 headers) in
*'X-Test: one'*) ok "--body and --all-headers" ;;
*) fail "--all-headers: no X-Test in '$(col body.tsv 1 headers)'" ;;
esac
# The second run is a hit: the body comes from the cache, the same bytes.
fwc --in lines -c 1 --body --out tsv <one >hit.tsv 2>/dev/null || :
[ "$(col hit.tsv 1 cache)/$(col hit.tsv 1 body)" = hit/68656c6c6f ] ||
	fail "--body from the cache: got $(col hit.tsv 1 cache) $(col hit.tsv 1 body)"

respond /ua 'Cache-Control: no-store' body=x
echo "$BASE/ua" | fwc --in lines -c 1 --user-agent 'probe/1.0' --out tsv >/dev/null 2>&1 || :
[ "$(sent /ua User-Agent)" = probe/1.0 ] ||
	fail "--user-agent: origin got '$(sent /ua User-Agent)'"

i=1
: >many
while [ $i -le 40 ]; do echo "$BASE/gen/$i" >>many; i=$((i + 1)); done
fwc --in lines -c 1 --unordered --out tsv <many >unordered.tsv 2>unordered.err ||
	fail "--unordered: exit status $?: $(head -3 unordered.err)"
tail -n +2 unordered.tsv | cut -f1 | sort >got
sort many >want
cmp -s got want && ok "--unordered: every row once" ||
	fail "--unordered: rows differ from the input"

origin_reset
CACHE=$work/never-made
fwc --no-store --in lines -c 1 -P 4 --per-host 1 --rate 200/s --stats --out tsv <many \
	>paced.tsv 2>paced.err || fail "--per-host --rate: exit status $?: $(head -3 paced.err)"
[ "$(tail -n +2 paced.tsv | cut -f3 | grep -c '^200$')" = 40 ] ||
	fail "--per-host 1 --rate 200/s: not 40 rows of status 200"
[ "$(count prefix=/gen/)" = 40 ] ||
	fail "--no-store: expected 40 requests, the origin got $(count prefix=/gen/)"
grep -q 'fetch-with-cache: 40 rows in' paced.err || fail "--stats: no summary on stderr"
# --no-store wrote nothing and keeps asking.
fwc --no-store --in lines -c 1 --out tsv <many >/dev/null 2>&1 || :
[ "$(count prefix=/gen/)" = 80 ] ||
	fail "--no-store: a second run should ask again (80 requests), got $(count prefix=/gen/)"
[ ! -e "$CACHE" ] || fail "--no-store: the cache directory was made"

printf '%s\n' "$BASE/o" 'not a url' >mixed
if fwc --in lines -c 1 --fail-on never --out tsv <mixed >never.tsv 2>never.err; then
	ok "--fail-on never: exit 0 with an error row"
else
	fail "--fail-on never: exit status $?"
fi
[ "$(col never.tsv 2 cache)" = error ] || fail "--fail-on never: row 2 should be an error row"

# Usage errors: exit 2 with a message, before any request or cache use.
origin_reset
usage_error() {
	what=$1
	shift
	if fwc "$@" <one >/dev/null 2>usage.err; then
		fail "$what: exit 0, expected 2"
	else
		st=$?
		[ "$st" = 2 ] && grep -q 'fetch-with-cache: ' usage.err ||
			fail "$what: exit $st, message '$(head -1 usage.err)'"
	fi
}
usage_error "--method PUT" --in lines -c 1 -X PUT
usage_error "--retries 1.5" --in lines -c 1 --retries 1.5
usage_error "--max-size 0" --in lines -c 1 --max-size 0
usage_error "-X HEAD --body" --in lines -c 1 -X HEAD --body
usage_error "--body with --digest" --in lines -c 1 --body --digest
usage_error "--offline --no-store" --in lines -c 1 --offline --no-store
usage_error "--cache-stats --purge" --cache-stats --purge
usage_error "--older-than without --purge" --older-than 1h
usage_error "--header without a colon" --in lines -c 1 --header nocolon
usage_error "--fail-on sometimes" --in lines -c 1 --fail-on sometimes
printf '{"url": 5}\n' >numeric.jsonl
if fwc --in jsonl <numeric.jsonl >/dev/null 2>usage.err; then
	fail "a URL column of int64: exit 0"
else
	grep -q 'not utf8' usage.err || fail "a URL column of int64: '$(head -1 usage.err)'"
fi
[ "$(count)" = 0 ] || fail "usage errors: the origin got $(count) requests"

[ "$failed" = 0 ] || exit 1
