# contrib/bench/plot.gp -- client reply latency around a failover, fipd and
# keepalived overlaid (called by report.sh --plot: gnuplot -e "dir='DIR'").
# Data: DIR/plot-PANEL-DAEMON.dat, "seconds from the event  latency ms", one
# line per successful reply of the median run.  A gap in the points is the
# client-visible outage.
if (!exists("dir")) dir = "."
set terminal pngcairo size 1100,1250 font "DejaVu Sans,10"
set output dir . "/failover.png"
set multiplot layout 3,1 title "Client replies through the VIP around a failover (median run of each daemon)" font ",12"
set logscale y
set ylabel "reply latency (ms)"
set xlabel "time from the event (s)"
set grid xtics ytics
set key top right box opaque
set yrange [0.005:20]

array LBL[6] = ["fipd", "keepalived", "fipd", "keepalived", "fipd", "keepalived"]
if (system("test -s '" . dir . "/plot-labels.gp' && echo 1") eq "1") { load dir . "/plot-labels.gp" }
ok(f) = system("test -s '" . f . "' && echo 1 || echo 0") eq "1"
F(p, d) = dir . "/plot-" . p . "-" . d . ".dat"
array P[3] = ["wikihard", "wikihealth", "fast10hard"]
array T[3] = ["Hard failure (MASTER switch port cut at 0), wiki settings: VRRPv2, advert 1 s - ICMP every 2 ms", \
	"nginx stopped on the MASTER at 0, wiki settings, HTTP check weight 0 - HTTP every 10 ms", \
	"Hard failure (cut at 0), VRRPv3, advert 0.01 s - ICMP every 2 ms"]

do for [i = 1:3] {
	p = P[i]
	set title T[i]
	if (i == 1) { set xrange [-1:5] }
	if (i == 2) { set xrange [-1:4] }
	if (i == 3) { set xrange [-0.1:0.25] }
	if (ok(F(p, "fipd")) && ok(F(p, "keepalived"))) {
		plot F(p, "fipd") using 1:2 with points pt 7 ps 0.35 lc rgb '#1f77b4' title LBL[2 * i - 1], \
		     F(p, "keepalived") using 1:2 with points pt 6 ps 0.45 lc rgb '#d62728' title LBL[2 * i]
	} else {
		if (ok(F(p, "fipd"))) {
			plot F(p, "fipd") using 1:2 with points pt 7 ps 0.35 lc rgb '#1f77b4' title LBL[2 * i - 1]
		} else {
			if (ok(F(p, "keepalived"))) {
				plot F(p, "keepalived") using 1:2 with points pt 6 ps 0.45 lc rgb '#d62728' title LBL[2 * i]
			} else {
				set label 1 "no data" at graph 0.5, 0.5 center
				plot 1 notitle lc rgb "white"
				unset label 1
			}
		}
	}
}
unset multiplot
