#!/bin/bash
# fipctl reload (issue 5), wiki setup (n1 MASTER, n2 BACKUP):
#  1. fipctl reload with unchanged files on both nodes, then SIGHUP: exit 0,
#     "applied", zero transitions (logs and the status counters), and the
#     VIP never leaves n1 (address monitor running all the time, plus
#     polling through the reload window);
#  2. a broken file on n1: fipctl reload exits 1 and prints the FILE:LINE
#     errors; the raw reply carries them as a list; the old configuration
#     keeps running (VIP stays, no transition, status still served);
#  3. the file repaired: fipctl reload exits 0 again.
. "$(dirname "$0")/integration/lib.sh"
. "$(dirname "$0")/ctl_lib.sh"

setup_light 150
c1=$(wiki_conf n1)
c2=$(wiki_conf n2)
start_fipd n1 "$c1"
wait_for "vip_on n1" 6000 || die "n1 did not take the VIP"
start_fipd n2 "$c2"
wait_for "[ -S '$T_DIR/n2.sock' ]" 5000 || die "no control socket on n2"
hold_for "vip_only_on n1" 2500 || die "VIP not on n1 alone (holders: $(vip_holders))"
tr_re=$(transition_re)

transitions_of() { # NODE: the status JSON's transition counter of VI_1
	ctl "$1" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["transitions"])'
}

# --- 1. unchanged files: fipctl reload, then SIGHUP.
m1=$(mon_mark n1); m2=$(mon_mark n2)
l1=$(log_lines n1); l2=$(log_lines n2)
t1=$(transitions_of n1); t2=$(transitions_of n2)
out1=$(ctl n1 reload 2>&1); rc1=$?
out2=$(ctl n2 reload 2>&1); rc2=$?
check "fipctl reload on n1: exit 0 ($out1)" eval '[ "$rc1" = 0 ] && grep -q "applied" <<< "$out1"'
check "fipctl reload on n2: exit 0 ($out2)" eval '[ "$rc2" = 0 ] && grep -q "applied" <<< "$out2"'
if hold_for "vip_only_on n1 && fipd_alive n1 && fipd_alive n2" 2500; then
	ok "VIP stayed on n1 alone for 2.5 s after fipctl reload"
else
	fail "after fipctl reload: holders $(vip_holders)"
fi
hup_fipd n1
hup_fipd n2
if hold_for "vip_only_on n1 && fipd_alive n1 && fipd_alive n2" 2500; then
	ok "VIP stayed on n1 alone for 2.5 s after SIGHUP"
else
	fail "after SIGHUP: holders $(vip_holders)"
fi
check "no VIP removal on n1 (address monitor)" [ "$(mon_count n1 del "$m1")" = 0 ]
check "no VIP added on n2 (address monitor)" [ "$(mon_count n2 add "$m2")" = 0 ]
check "no transition logged by n1" [ "$(log_since n1 "$l1" | grep -cE "$tr_re")" = 0 ]
check "no transition logged by n2" [ "$(log_since n2 "$l2" | grep -cE "$tr_re")" = 0 ]
check "transition counters unchanged (n1 $t1, n2 $t2)" [ "$(transitions_of n1) $(transitions_of n2)" = "$t1 $t2" ]
check "both reloads logged as applied on n1" [ "$(log_since n1 "$l1" | grep -c 'reload: .* applied')" = 2 ]

# --- 2. a broken file on n1.
bad_line=$(($(wc -l < "$c1") + 1))
echo "no_such_key = 1" >> "$c1"
m1=$(mon_mark n1); l1=$(log_lines n1); t1=$(transitions_of n1)
ctl n1 reload > "$T_DIR/reload.out" 2> "$T_DIR/reload.err"; rc=$?
check "broken file: fipctl reload exits 1 ($rc)" [ "$rc" = 1 ]
check "broken file: FILE:LINE error printed" grep -q "$(basename "$c1"):$bad_line: unknown key 'no_such_key'" "$T_DIR/reload.err"
check "broken file: says the running configuration stays" grep -q "running configuration stays" "$T_DIR/reload.err"
sed 's/^/    | /' "$T_DIR/reload.err"
python3 - "$T_DIR/n1.sock" "$(basename "$c1"):$bad_line:" <<'EOF' || fail "raw reload reply lacks the error list"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"reload\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
r = json.loads(buf)
assert r["result"] == "refused" and r["error"], r
assert any(sys.argv[2] in e for e in r["errors"]), r
print("ok: raw reply: result=%s, %d error(s)" % (r["result"], len(r["errors"])))
EOF
if hold_for "vip_only_on n1 && fipd_alive n1" 2000; then
	ok "old config keeps running: VIP on n1 alone, daemon alive"
else
	fail "after the refused reload: holders $(vip_holders)"
fi
check "no VIP removal on n1 after the refused reload" [ "$(mon_count n1 del "$m1")" = 0 ]
check "no transition after the refused reload" [ "$(log_since n1 "$l1" | grep -cE "$tr_re")" = 0 ]
check "status still served, transitions unchanged" [ "$(transitions_of n1)" = "$t1" ]
check "status still shows MASTER" [ "$(ctl_state n1 VI_1)" = MASTER ]

# --- 3. repaired.
c1=$(wiki_conf n1)
out1=$(ctl n1 reload 2>&1); rc1=$?
check "repaired file: fipctl reload exits 0 ($out1)" [ "$rc1" = 0 ]
check "still MASTER, VIP on n1 alone" eval 'vip_only_on n1 && [ "$(ctl_state n1 VI_1)" = MASTER ]'
stop_fipd n2
stop_fipd n1
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
finish
