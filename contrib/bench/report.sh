#!/bin/bash
# contrib/bench/report.sh -- tables (and the plot) from a benchmark result
# directory written by contrib/bench/run.sh; can be rerun on old results.
#
#   report.sh DIR            print the outage, decomposition and cost tables
#   report.sh --plot DIR     write DIR/failover.png (gnuplot, plot.gp)
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
PLOT=0
[ "$1" = --plot ] && { PLOT=1; shift; }
DIR=${1:?usage: report.sh [--plot] DIR}
[ -f "$DIR/outage.csv" ] || [ -f "$DIR/cost.csv" ] || { echo "no results in $DIR" >&2; exit 2; }

# Median-ish helpers live in awk: med(), lo(), hi() over "a;b;c" lists.
AWK_STATS='
function sortv(s, v,   n, i, j, x) { n = split(s, v, ";"); for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x } return n }
function fmt(x) { return (x < 100 && x > -100) ? sprintf("%.1f", x) : sprintf("%.0f", x) }
function med(s,   v, n) { if (s == "") return "-"; n = sortv(s, v); return fmt((n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }
function lo(s,   v, n) { if (s == "") return "-"; n = sortv(s, v); return fmt(v[1]) }
function hi(s,   v, n) { if (s == "") return "-"; n = sortv(s, v); return fmt(v[n]) }
function add(a, k, x,   o) { if (x == "") return; if (k in a) { o = a[k]; a[k] = o ";" x } else a[k] = x }
'

if [ "$PLOT" = 0 ] && [ -f "$DIR/outage.csv" ]; then
	echo "== Client-visible outage (ms; min / median / max over runs) =="
	echo "   ICMP every ${BENCH_ICMP_MS:-2} ms and HTTP every ${BENCH_HTTP_MS:-10} ms from the client to the VIP; outage = largest"
	echo "   gap between successful replies.  Primary figure: HTTP for health/failback, ICMP otherwise."
	echo "   floor: Master_Down_Interval (hard), Skew_Time (graceful), 2 x check interval + Skew_Time or MDI (health)."
	echo "   decomposition: medians, ms after the reference event (ref) -- the daemon's decision"
	echo "   (fipd: its log; keepalived: its first advert on the wire), the VIP on the interface"
	echo "   (ip monitor), the first gratuitous ARP on the wire (tcpdump on the bridge), the client's"
	echo "   first good reply from the new holder.  \">\": the client was still not served when the"
	echo "   observation ended in some run (a lower bound; see the notes)."
	awk -F, "$AWK_STATS"'
	NR == 1 { next }
	{
		k = $2 SUBSEP $3 SUBSEP $1
		if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
		prim = ($3 ~ /^(health|failback)/) ? $6 : $5
		sec = ($3 ~ /^(health|failback)/) ? $5 : $6
		add(P, k, prim); add(S, k, sec); add(F, k, $7); ref[k] = $8
		add(D, k, $11); add(V, k, $13); add(G, k, $14); add(C, k, $15)
		n[k]++
		if ($17 != "") {
			if (!((k, $17) in nr)) { nt[k]++; ntext[k, nt[k]] = $17; nr[k, $17] = "" }
			nr[k, $17] = nr[k, $17] (nr[k, $17] == "" ? "" : ",") $4
			notes[k] = 1
		}
		if ($17 ~ /not served|no (ICMP|HTTP) answer/) lb[k] = ">"
	}
	END {
		printf "%-8s %-10s %-10s %2s %20s %8s %6s  %-12s %8s %6s %6s %6s\n", "profile", "scenario", "daemon", "n",
			"outage min/med/max", "other", "floor", "ref", "decision", "vip", "garp", "client"
		for (i = 1; i <= nk; i++) {
			k = order[i]; split(k, f, SUBSEP)
			printf "%-8s %-10s %-10s %2d %20s %8s %6s  %-12s %8s %6s %6s %6s\n", f[1], f[2], f[3], n[k],
				lo(P[k]) " / " med(P[k]) " / " lb[k] hi(P[k]), med(S[k]), med(F[k]), ref[k], med(D[k]), med(V[k]), med(G[k]), med(C[k])
		}
		for (i = 1; i <= nk; i++) {
			k = order[i]; if (!(k in notes)) continue
			split(k, f, SUBSEP)
			for (j = 1; j <= nt[k]; j++) print "  note " f[1] " " f[2] " " f[3] ": " ntext[k, j] " (run " nr[k, ntext[k, j]] ")"
		}
	}' "$DIR/outage.csv"
	echo
fi

if [ "$PLOT" = 0 ] && [ -f "$DIR/cost.csv" ] && [ "$(wc -l < "$DIR/cost.csv")" -gt 1 ]; then
	echo "== Cost (CPU = utime+stime of all the daemon's processes, per 60 s; RSS and PSS summed; start-up = exec to the last VIP on the MASTER) =="
	awk -F, '
	NR == 1 { printf "%-10s %5s %7s %-7s %10s %9s %9s %6s %11s %10s %6s\n", "daemon", "n", "advert", "side", "cpu s/60s", "RSS MB", "PSS MB", "procs", "startup ms", "to-MASTER", "VIPs"; next }
	{ printf "%-10s %5s %7s %-7s %10.3f %9.1f %9.1f %6s %11s %10s %6s\n", $1, $2, $3, $4, $7, $8 / 1024, $9 / 1024, $10, ($11 == "" ? "" : $11), ($12 == "" ? "" : $12), $13 }' "$DIR/cost.csv"
	echo
	echo "   to-MASTER: transitions of the BACKUP to MASTER during the window (0 = no flapping);"
	echo "   VIPs: VIPs held by that side at the end (MASTER: all n; BACKUP: 0)."
	echo
fi

[ "$PLOT" = 1 ] || exit 0

# ------------------------------------------------------------ plot
# For each panel and daemon: the run whose primary outage is the median one;
# its prober log as "seconds from the event, reply latency ms".
command -v gnuplot >/dev/null 2>&1 || { echo "gnuplot absent (apt-get install gnuplot-nox)" >&2; exit 1; }
LABELS=$DIR/plot-labels.gp
echo "array LBL[6]" > "$LABELS"
NPANEL=0
panel() { # NAME PROFILE SCENARIO KIND(i|h)
	local name=$1 prof=$2 sc=$3 kind=$4 d line run ev col out i=0
	col=5; [ "$kind" = h ] && col=6
	NPANEL=$((NPANEL + 1))
	for d in fipd keepalived; do
		i=$((i + 1))
		echo "LBL[$(( (NPANEL - 1) * 2 + i ))] = \"$d\"" >> "$LABELS"
		: > "$DIR/plot-$name-$d.dat"
		line=$(awk -F, -v p="$prof" -v s="$sc" -v d="$d" -v c="$col" '$1 == d && $2 == p && $3 == s && $c != "" { print $c, $4, $9 }' "$DIR/outage.csv" |
			sort -n | awk '{ l[NR] = $0 } END { if (NR) print l[int((NR + 1) / 2)] }')
		[ -n "$line" ] || continue
		read -r out run ev <<< "$line"
		echo "LBL[$(( (NPANEL - 1) * 2 + i ))] = \"$d: outage $(printf %.0f "$out") ms (run $run)\"" >> "$LABELS"
		local f="$DIR/raw/probe-$prof-$sc-$d-$run.log.gz"
		[ -f "$f" ] || continue
		gzip -dc "$f" | awk -v k="$kind" -v ev="$ev" '
			$1 == "i" && k == "i" { printf "%.4f %.3f\n", ($4 / 1000 - ev) / 1000, ($4 - $3) / 1000 }
			$1 == "h" && k == "h" && $4 != "-" { printf "%.4f %.3f\n", ($3 / 1000 - ev) / 1000, ($3 - $2) / 1000 }' |
			sort -n > "$DIR/plot-$name-$d.dat"
	done
}
panel wikihard wiki hard i
panel wikihealth wiki health0 h
panel fast10hard fast10 hard i
gnuplot -e "dir='$DIR'" "$BENCH_DIR/plot.gp"
