#!/bin/sh
# Regenerates requests.csv, the bundled sample request log: 200 requests to
# five endpoints with statuses, latencies (a few missing) and sizes. The seed
# is fixed, so the output is the same on every run with the same awk (mawk).
awk 'BEGIN {
	srand(42)
	print "time,endpoint,status,latency_ms,bytes"
	split("/api/users /api/orders /api/search /health /static/app.js", e, " ")
	t = 1764028800
	for (i = 0; i < 200; i++) {
		t += int(rand() * 5)
		ep = e[int(rand() * 5) + 1]
		r = rand()
		st = r < 0.9 ? 200 : r < 0.96 ? 404 : 500
		lat = ep == "/api/search" ? 40 + rand() * 160 : ep == "/health" ? 0.5 + rand() : 5 + rand() * 45
		if (rand() < 0.02)
			lat = ""
		printf "%s,%s,%d,%s,%d\n", strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), ep, st,
			lat == "" ? "" : sprintf("%.3f", lat), int(200 + rand() * 20000)
	}
}'
