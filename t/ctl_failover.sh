#!/bin/bash
# fipctl status --json and the metrics endpoint during a live failover
# (issue 5), with the wiki's two keepalived configs converted by
# fipd-import-keepalived (n1 written on one line, n2 over several lines),
# so the converted configs are also shown to behave as the wiki describes.
#
#  1. Steady state: n1 MASTER, n2 BACKUP; the status JSON has every
#     documented field (t/ctl_status_check.py); /metrics passes the strict
#     format check (t/ctl_promcheck.py) with the documented families.
#  2. Bad packets injected into n2 (bad checksum, TTL 64, unknown VRID)
#     move n2's drop counters, by reason, in the status and the metrics.
#  3. Hard failure of n1's link: n2 takes the VIP; fipctl on n2 reports
#     MASTER within one advert interval (1 s, + margin) of the VIP
#     appearing; the metrics count the transition.
#  4. The link comes back: n2 returns to BACKUP, also visible within one
#     advert interval; n1 stayed MASTER throughout.
. "$(dirname "$0")/integration/lib.sh"
. "$(dirname "$0")/ctl_lib.sh"

M=$FIPD_MARGIN_MS
ADV=1000            # advert interval, ms
MDI=3805            # n2's Master_Down_Interval (v2, priority 50)
FAMILIES=fipd_build_info,fipd_instance_state,fipd_transitions_total,fipd_adverts_sent_total,fipd_adverts_received_total,fipd_packets_dropped_total,fipd_check_up,fipd_check_duration_seconds,fipd_priority,fipd_effective_priority

setup_light 180
need_importer
c1=$(import_wiki n1 eth0 1)
c2=$(import_wiki n2 eth0 0)
say "converted wiki configs: $(grep -c . "$T_DIR/n1.imported") and $(grep -c . "$T_DIR/n2.imported") lines"
check "the one-line and multi-line wiki configs convert alike (but for peer and priority)" \
	eval "diff <(tail -n +2 '$T_DIR/n1.imported' | sed -e 's/= MASTER/= X/;s/= BACKUP/= X/;s/priority = .*/P/;s/unicast_peer = .*/U/') \
	           <(tail -n +2 '$T_DIR/n2.imported' | sed -e 's/= MASTER/= X/;s/= BACKUP/= X/;s/priority = .*/P/;s/unicast_peer = .*/U/') >/dev/null"
check "converted n1 config passes fipd -t" eval '"$FIPD" -t -f "$c1" >/dev/null 2>&1'
check "converted n2 config passes fipd -t" eval '"$FIPD" -t -f "$c2" >/dev/null 2>&1'

start_fipd n1 "$c1"
wait_for "vip_on n1" 6000 || die "n1 did not take the VIP"
start_fipd n2 "$c2"
wait_for "[ -S '$T_DIR/n2.sock' ]" 5000 || die "no control socket on n2"
hold_for "vip_only_on n1" $((MDI + 500)) || die "VIP not on n1 alone (holders: $(vip_holders))"

# --- 1. steady state.
if ctl_status n1 "$T_DIR/s1.json" && python3 "$T_CTL_DIR/ctl_status_check.py" "$T_DIR/s1.json" --expect VI_1=MASTER > /dev/null; then
	ok "n1 status JSON valid, VI_1 MASTER"
else
	fail "n1 status JSON: $(head -c 600 "$T_DIR/s1.json")"
fi
if ctl_status n2 "$T_DIR/s2.json" && python3 "$T_CTL_DIR/ctl_status_check.py" "$T_DIR/s2.json" --expect VI_1=BACKUP > "$T_DIR/s2.sum"; then
	ok "n2 status JSON valid, VI_1 BACKUP ($(cat "$T_DIR/s2.sum"))"
else
	fail "n2 status JSON: $(head -c 600 "$T_DIR/s2.json")"
fi
check "n2 names n1 as the master" grep -q "^VI_1 BACKUP [0-9]* 192.0.2.1 50$" "$T_DIR/s2.sum"
for n in n1 n2; do
	if scrape "$n" "$T_DIR/m-$n-0.txt" && promcheck "$T_DIR/m-$n-0.txt" --require "$FAMILIES"; then
		ok "$n /metrics passes the strict format check with every documented family"
	else
		fail "$n /metrics: $(head -c 400 "$T_DIR/m-$n-0.txt")"
	fi
done
check "Content-Type is the Prometheus text format" grep -qi '^Content-Type: text/plain; version=0.0.4' "$T_DIR/m-n1-0.txt.hdr"
check "n1 metrics: MASTER 1" [ "$(metric "$T_DIR/m-n1-0.txt" 'fipd_instance_state{instance="VI_1",state="MASTER"}')" = 1 ]
check "n2 metrics: BACKUP 1, MASTER 0" [ "$(metric "$T_DIR/m-n2-0.txt" 'fipd_instance_state{instance="VI_1",state="BACKUP"}')$(metric "$T_DIR/m-n2-0.txt" 'fipd_instance_state{instance="VI_1",state="MASTER"}')" = 10 ]
check "n2 metrics: adverts received" [ "$(metric "$T_DIR/m-n2-0.txt" 'fipd_adverts_received_total{instance="VI_1"}')" -ge 2 ]
check "n1 metrics: adverts sent" [ "$(metric "$T_DIR/m-n1-0.txt" 'fipd_adverts_sent_total{instance="VI_1"}')" -ge 2 ]
abi=$("$FIPD" -V | sed -n 's/.*plugin ABI \([0-9]*\).*/\1/p')
check "metrics: build info (plugin ABI $abi)" [ "$(metric "$T_DIR/m-n1-0.txt" "fipd_build_info{version=\"$("$FIPD" -V | awk '{print $2}')\",plugin_abi=\"$abi\"}")" = 1 ]
nsx n1 curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$T_METRICS_PORT/nothing" > "$T_DIR/404" 2>/dev/null
check "metrics: other paths are 404" [ "$(cat "$T_DIR/404")" = 404 ]
nsx n1 curl -s -m 2 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$T_METRICS_PORT/metrics" > "$T_DIR/405" 2>/dev/null
check "metrics: POST is 405" [ "$(cat "$T_DIR/405")" = 405 ]

# --- 2. bad packets into n2.
d0=$T_DIR/m-n2-0.txt
for kind in bad_checksum bad_ttl unknown_vrid; do
	nsx c python3 "$T_CTL_DIR/ctl_inject.py" "$kind" 192.0.2.2 --count 5 > /dev/null ||
		fail "could not inject $kind packets"
done
sleep 0.3
scrape n2 "$T_DIR/m-n2-1.txt"
promcheck "$T_DIR/m-n2-1.txt" || fail "n2 /metrics after injection fails the format check"
delta() { # FILE_BEFORE FILE_AFTER SERIES
	local a b
	a=$(metric "$1" "$3"); b=$(metric "$2" "$3")
	[ "$a" = absent ] && a=0
	[ "$b" = absent ] && b=0
	echo $((b - a))
}
dc=$(delta "$d0" "$T_DIR/m-n2-1.txt" 'fipd_packets_dropped_total{instance="VI_1",reason="bad_checksum"}')
dt=$(delta "$d0" "$T_DIR/m-n2-1.txt" 'fipd_packets_dropped_total{instance="VI_1",reason="bad_ttl"}')
du=$(delta "$d0" "$T_DIR/m-n2-1.txt" 'fipd_packets_dropped_total{instance="",reason="unknown_vrid"}')
figure "drops counted on n2 for 5 injected packets each: bad_checksum +$dc, bad_ttl +$dt, unknown_vrid (before demux) +$du"
check "bad checksums counted (+$dc)" [ "$dc" -ge 5 ]
check "bad TTLs counted (+$dt)" [ "$dt" -ge 5 ]
check "unknown VRID counted before demux (+$du)" [ "$du" -ge 5 ]
ctl_status n2 "$T_DIR/s2b.json"
check "status JSON shows the drops too" python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
i = st["instances"][0]
d = i["counters"]["dropped"]
assert d["bad_checksum"] >= 5 and d["bad_ttl"] >= 5, d
assert st["dropped_before_demux"]["unknown_vrid"] >= 5
assert i["state"] == "BACKUP"' "$T_DIR/s2b.json"
check "the injection caused no transition" [ "$(python3 "$T_CTL_DIR/ctl_status_check.py" "$T_DIR/s2b.json" | awk '{print $2 $3}')" = "BACKUP$(awk '{print $3}' "$T_DIR/s2.sum")" ]

# --- 3. failover: poll fipctl status --json on n2 and the VIP, 50 ms apart.
tr0=$(metric "$T_DIR/m-n2-1.txt" 'fipd_transitions_total{instance="VI_1"}')
m2=$(mon_mark n2)
cut_link n1
t_state=
for ((i = 0; i < 200; i++)); do
	if [ -z "$t_state" ] && [ "$(ctl_state n2 VI_1)" = MASTER ]; then
		_now
		t_state=$T_NOW      # after the answer: the lag is not understated
	fi
	[ -n "$t_state" ] && vip_on n2 && break
	sleep 0.05
done
t_vip=$(mon_first n2 add "$T_CUT_MS" "$m2")
if [ -n "$t_state" ] && [ -n "$t_vip" ]; then
	lag=$((t_state - t_vip))
	figure "failover: fipctl on n2 said MASTER $((t_state - T_CUT_MS)) ms after the cut, $lag ms after the VIP appeared"
	check "MASTER visible within one advert interval of the takeover ($lag ms <= $((ADV + M)) ms)" [ "$lag" -le $((ADV + M)) ]
else
	fail "n2 did not become MASTER (state seen at '${t_state}', VIP at '${t_vip}')"
fi
ctl_status n2 "$T_DIR/s2c.json"
python3 "$T_CTL_DIR/ctl_status_check.py" "$T_DIR/s2c.json" --expect VI_1=MASTER > "$T_DIR/s2c.sum" ||
	fail "n2 status after the failover: $(cat "$T_DIR/s2c.json")"
check "n2 names itself as the master" grep -q "^VI_1 MASTER [0-9]* 192.0.2.2 50$" "$T_DIR/s2c.sum"
check "last transition has a reason and a small age" python3 -c '
import json, sys
lt = json.load(open(sys.argv[1]))["instances"][0]["last_transition"]
assert lt["reason"] and lt["age_seconds"] < 10, lt' "$T_DIR/s2c.json"
scrape n2 "$T_DIR/m-n2-2.txt" && promcheck "$T_DIR/m-n2-2.txt" || fail "n2 /metrics after the failover"
tr1=$(metric "$T_DIR/m-n2-2.txt" 'fipd_transitions_total{instance="VI_1"}')
check "metrics: n2's transition counted ($tr0 -> $tr1)" [ "$tr1" -ge $((tr0 + 1)) ]
check "metrics: n2 MASTER 1, BACKUP 0" [ "$(metric "$T_DIR/m-n2-2.txt" 'fipd_instance_state{instance="VI_1",state="MASTER"}')$(metric "$T_DIR/m-n2-2.txt" 'fipd_instance_state{instance="VI_1",state="BACKUP"}')" = 10 ]
check "n1 (cut off) still reports MASTER" [ "$(ctl_state n1 VI_1)" = MASTER ]

# --- 4. the link comes back.
m2=$(mon_mark n2)
restore_link n1
t_state=
for ((i = 0; i < 160; i++)); do
	if [ -z "$t_state" ] && [ "$(ctl_state n2 VI_1)" = BACKUP ]; then
		_now
		t_state=$T_NOW
	fi
	[ -n "$t_state" ] && ! vip_on n2 && break
	sleep 0.05
done
t_del=$(mon_first n2 del "$T_RESTORE_MS" "$m2")
if [ -n "$t_state" ] && [ -n "$t_del" ]; then
	lag=$((t_state - t_del))
	figure "recovery: fipctl on n2 said BACKUP $((t_state - T_RESTORE_MS)) ms after the link came back, $lag ms after the VIP left"
	check "BACKUP visible within one advert interval ($lag ms <= $((ADV + M)) ms)" [ "$lag" -le $((ADV + M)) ]
else
	fail "n2 did not return to BACKUP (state at '${t_state}', VIP removal at '${t_del}')"
fi
wait_for "vip_only_on n1" 3000 || fail "VIP not back on n1 alone (holders: $(vip_holders))"
scrape n2 "$T_DIR/m-n2-3.txt" && promcheck "$T_DIR/m-n2-3.txt" || fail "n2 /metrics after recovery"
tr2=$(metric "$T_DIR/m-n2-3.txt" 'fipd_transitions_total{instance="VI_1"}')
check "metrics: the step down counted too ($tr1 -> $tr2)" [ "$tr2" -ge $((tr1 + 1)) ]
stop_fipd n2
stop_fipd n1
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
