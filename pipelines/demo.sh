#!/bin/sh
# The README's demo: the bundled request log (CSV) becomes an Arrow record
# stream, a second stage keeps three columns of the first ten requests and
# prints them as an aligned table, then the stream's schema, then latency
# statistics per endpoint, then the three busiest endpoints.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
log="$here/data/requests.csv"

rec-cat --in csv < "$log" | rec-cat -c time,endpoint,latency_ms --head 10 --out table
echo
rec-cat --in csv --schema --out table < "$log"
echo
rec-cat --in csv < "$log" | moments -k endpoint -c latency_ms |
	rec-cat -c endpoint,n,nulls,mean,sd,max --out table
echo
rec-cat --in csv < "$log" | cms-count -k endpoint --top 3 --out table
