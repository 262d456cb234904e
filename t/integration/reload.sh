#!/bin/bash
# SIGHUP reload (DESIGN.md §3: validate first; on error keep running with the
# old config; unchanged instances keep their state and VIPs).  Wiki setup.
#
#  1. SIGHUP with unchanged files on both nodes: no transition line is logged
#     and the VIP never leaves n1 (address monitor running all the time, plus
#     polling) during the reload window.
#  1b. SIGHUP on n1 with the instance's keys in reverse order: nothing
#     changes (no transition, no VIP removal, "1 unchanged").
#  2. SIGHUP with a broken file on n1: the old config keeps running (VIP stays,
#     no transition) and the error is logged as FILE:LINE.
#  3. SIGHUP with a changed priority on n2 (50 -> 150): applied, n2 preempts
#     and takes the VIP; n1 steps down to BACKUP.
. "$(dirname "$0")/lib.sh"

M=$FIPD_MARGIN_MS

setup_all 150
c1=$(wiki_conf n1)
c2=$(wiki_conf n2)
start_fipd n1 "$c1"
wait_for "vip_on n1" 6000 || die "n1 did not take the VIP within 6 s"
start_fipd n2 "$c2"
hold_for "vip_only_on n1" 2500 || die "VIP not on n1 alone (holders: $(vip_holders))"
ok "steady state: n1 MASTER, n2 BACKUP"

# --- 1. unchanged files.
m1=$(mon_mark n1); m2=$(mon_mark n2)
l1=$(log_lines n1); l2=$(log_lines n2)
tr_re=$(transition_re)
hup_fipd n1
hup_fipd n2
if hold_for "vip_only_on n1 && fipd_alive n1 && fipd_alive n2" 3000; then
	ok "VIP stayed on n1 alone for 3 s after SIGHUP (unchanged configs)"
else
	fail "after SIGHUP with unchanged configs: holders $(vip_holders), n1 alive: $(fipd_alive n1 && echo yes || echo no), n2 alive: $(fipd_alive n2 && echo yes || echo no)"
fi
check "no VIP removal on n1 during the reload (address monitor)" [ "$(mon_count n1 del "$m1")" = 0 ]
check "no VIP added on n2 during the reload (address monitor)" [ "$(mon_count n2 add "$m2")" = 0 ]
check "no transition logged by n1 on reload" [ "$(log_since n1 "$l1" | grep -cE "$tr_re")" = 0 ]
check "no transition logged by n2 on reload" [ "$(log_since n2 "$l2" | grep -cE "$tr_re")" = 0 ]

# --- 1b. the same keys in another order on n1 (issue 12: the reload
# compares values, not the section's text in file order, which restarted
# the instance: priority 0, VIP removed, preempted back).
awk '/^\[instance/ { inst = 1; print; next } inst && NF { keys[n++] = $0; next }
	{ print } END { for (i = n - 1; i >= 0; i--) print keys[i] }' "$c1" > "$c1.new"
mv "$c1.new" "$c1"
m1=$(mon_mark n1); m2=$(mon_mark n2)
l1=$(log_lines n1); l2=$(log_lines n2)
hup_fipd n1
if hold_for "vip_only_on n1 && fipd_alive n1" 3000; then
	ok "VIP stayed on n1 alone for 3 s after reloading reordered keys"
else
	fail "after SIGHUP with reordered keys: holders $(vip_holders)"
fi
check "no VIP removal on n1 after reordering keys" [ "$(mon_count n1 del "$m1")" = 0 ]
check "no transition logged by n1 after reordering keys" [ "$(log_since n1 "$l1" | grep -cE "$tr_re")" = 0 ]
check "no transition logged by n2 after reordering keys" [ "$(log_since n2 "$l2" | grep -cE "$tr_re")" = 0 ]
if [ "$FIPD_DAEMON" = fipd ]; then
	check "n1 counts the reordered instance as unchanged" \
		eval "log_since n1 $l1 | grep -qE 'applied in [0-9]+ ms \(1 unchanged of which 0 updated in place, 0 restarted'"
fi

# --- 2. broken file on n1.
bad_line=$(($(wc -l < "$c1") + 1))
echo "no_such_key = 1" >> "$c1"
m1=$(mon_mark n1); l1=$(log_lines n1)
hup_fipd n1
if [ "$FIPD_DAEMON" = fipd ]; then
	if wait_for "log_since n1 $l1 | grep -qE '$(basename "$c1"):$bad_line:'" 3000; then
		ok "error logged as FILE:LINE ($(log_since n1 "$l1" | grep -E "$(basename "$c1"):$bad_line:" | head -n 1))"
	else
		fail "no '$(basename "$c1"):$bad_line:' error logged after SIGHUP with a broken file"
	fi
else
	say "(keepalived: FILE:LINE check skipped)"
fi
if hold_for "vip_only_on n1 && fipd_alive n1" 2000; then
	ok "old config keeps running: VIP on n1 alone, daemon alive"
else
	fail "after SIGHUP with a broken file: holders $(vip_holders), n1 alive: $(fipd_alive n1 && echo yes || echo no)"
fi
check "no VIP removal on n1 after the broken reload" [ "$(mon_count n1 del "$m1")" = 0 ]
check "no transition logged by n1 after the broken reload" [ "$(log_since n1 "$l1" | grep -cE "$tr_re")" = 0 ]
c1=$(wiki_conf n1)   # repaired (not reloaded: the running config is this one)

# --- 3. changed priority on n2.
c2=$(wiki_conf n2 priority=150)
m2=$(mon_mark n2); l1=$(log_lines n1)
_now; t_hup=$T_NOW
hup_fipd n2
MDI150=3414   # 3 s + (256 - 150) / 256 s
if wait_for "vip_only_on n2" $((MDI150 + M + 1500)); then
	t_vip=$(mon_first n2 add "$t_hup" "$m2")
	figure "reload: new priority 150 applied, n2 took the VIP $((t_vip - t_hup)) ms after SIGHUP (Master_Down_Interval for 150: $MDI150 ms)"
	ok "changed priority applied: n2 preempted"
else
	fail "n2 did not take the VIP after reloading priority 150 (holders: $(vip_holders))"
fi
check "n1 logged a transition after n2's priority change" [ "$(log_since n1 "$l1" | grep -cE "$tr_re")" -ge 1 ]
check "both daemons still running" eval "fipd_alive n1 && fipd_alive n2"
stop_fipd n2
stop_fipd n1
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
