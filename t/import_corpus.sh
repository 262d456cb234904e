#!/bin/bash
# fipd-import-keepalived (issue 5), no root needed:
#  1. every t/data/import/NAME.conf converts to NAME.ini (stdout) and
#     NAME.err (notes and warnings on stderr), byte for byte, with exit 0
#     (NAME.args, when present, holds options to convert it with);
#  2. the wiki configs give the same INI whether written on one line or on
#     several (the first line, naming the source file, aside);
#  3. every t/data/import/errors/NAME.conf fails with exit 1, nothing on
#     stdout, and exactly the FILE:LINE errors of NAME.err;
#  4. the command line: -, -o, -q, --strict, -V, usage errors (exit 2);
#  5. random input never ends in a Python exception (t/import_fuzz.py).
# FIPD_IMPORT_REGEN=1 rewrites the expected files (review the diff!).
. "$(dirname "$0")/integration/lib.sh"
. "$(dirname "$0")/ctl_lib.sh"

need_importer
t_init 120
DATA=$(cd "$T_LIB_DIR/../data/import" && pwd)

# compare NAME EXPECTED ACTUAL
compare() {
	if [ "${FIPD_IMPORT_REGEN:-0}" = 1 ]; then
		cp "$3" "$2"
		ok "$1: regenerated $(basename "$2")"
	elif cmp -s "$2" "$3"; then
		ok "$1"
	else
		fail "$1: differs from $(basename "$2"):"
		diff -u "$2" "$3" | head -n 40 | sed 's/^/    | /'
	fi
}

# --- 1. the corpus.
n=0
for conf in "$DATA"/*.conf; do
	name=$(basename "$conf" .conf)
	n=$((n + 1))
	args=
	[ -f "$DATA/$name.args" ] && args=$(cat "$DATA/$name.args")
	# shellcheck disable=SC2086 # options, split on purpose
	(cd "$DATA" && "$IMPORTER" $args "$name.conf") > "$T_DIR/$name.ini" 2> "$T_DIR/$name.err"
	rc=$?
	check "$name: exit 0 ($rc)" [ "$rc" = 0 ]
	compare "$name: INI" "$DATA/$name.ini" "$T_DIR/$name.ini"
	compare "$name: warnings" "$DATA/$name.err" "$T_DIR/$name.err"
done
check "a corpus of at least 25 configs ($n)" [ "$n" -ge 25 ]

# --- 2. one line or several.
same() { diff <(tail -n +2 "$DATA/$1.ini") <(tail -n +2 "$DATA/$2.ini") >/dev/null; }
check "wiki MASTER: one line = several lines" same wiki-master wiki-master-oneline
check "wiki BACKUP: one line = several lines" same wiki-backup wiki-backup-oneline
check "wiki BACKUP with the wiki's '<--' notes = without" same wiki-backup wiki-backup-annotated

# --- 3. errors.
for conf in "$DATA"/errors/*.conf; do
	name=$(basename "$conf" .conf)
	(cd "$DATA/errors" && "$IMPORTER" "$name.conf") > "$T_DIR/e-$name.out" 2> "$T_DIR/e-$name.err"
	rc=$?
	check "error $name: exit 1 ($rc), nothing on stdout" eval '[ "$rc" = 1 ] && [ ! -s "$T_DIR/e-$name.out" ]'
	compare "error $name: messages" "$DATA/errors/$name.err" "$T_DIR/e-$name.err"
	check "error $name: every message names FILE:LINE, one at least an error" \
	    eval '! grep -vqE "^$name\.conf(:[0-9]+)?: (error|warning|note): " "$T_DIR/e-$name.err" && grep -q ": error: " "$T_DIR/e-$name.err"'
done

# --- 4. the command line.
"$IMPORTER" - < "$DATA/wiki-master.conf" > "$T_DIR/stdin.ini" 2>/dev/null
check "FILE '-' reads standard input" eval 'diff <(tail -n +2 "$T_DIR/stdin.ini") <(tail -n +2 "$DATA/wiki-master.ini") >/dev/null'
(cd "$DATA" && "$IMPORTER" -o "$T_DIR/out.ini" wiki-master.conf)
check "-o writes the file" cmp -s "$T_DIR/out.ini" "$DATA/wiki-master.ini"
(cd "$DATA" && "$IMPORTER" -q scripts-tracking.conf) > /dev/null 2> "$T_DIR/quiet.err"
check "-q: no warnings" [ ! -s "$T_DIR/quiet.err" ]
(cd "$DATA" && "$IMPORTER" --strict scripts-tracking.conf) > "$T_DIR/strict.out" 2>/dev/null; rc=$?
check "--strict: warnings make it fail ($rc), nothing written" eval '[ "$rc" = 1 ] && [ ! -s "$T_DIR/strict.out" ]'
(cd "$DATA" && "$IMPORTER" --strict wiki-master.conf) > /dev/null 2>&1; rc=$?
check "--strict: a clean config passes ($rc)" [ "$rc" = 0 ]
(cd "$DATA" && "$IMPORTER" --strict include-main.conf) > "$T_DIR/strict-notes.out" 2> "$T_DIR/strict-notes.err"; rc=$?
check "--strict: notes (faithful conversions) alone pass ($rc)" eval '[ "$rc" = 0 ] && cmp -s "$T_DIR/strict-notes.out" "$DATA/include-main.ini" && grep -q ": note: " "$T_DIR/strict-notes.err"'
# --strict fails exactly on the configs whose conversion warns.
bad=
for conf in "$DATA"/*.conf; do
	name=$(basename "$conf" .conf)
	args=
	[ -f "$DATA/$name.args" ] && args=$(cat "$DATA/$name.args")
	# shellcheck disable=SC2086 # options, split on purpose
	(cd "$DATA" && "$IMPORTER" --strict $args "$name.conf") > "$T_DIR/s.out" 2>/dev/null
	rc=$?
	if grep -q ": warning: " "$DATA/$name.err"; then
		[ "$rc" = 1 ] && [ ! -s "$T_DIR/s.out" ] || bad="$bad $name($rc)"
	else
		[ "$rc" = 0 ] && cmp -s "$T_DIR/s.out" "$DATA/$name.ini" || bad="$bad $name($rc)"
	fi
done
check "--strict: exit 1 for every corpus config that warns, 0 and the same output for the others${bad:+:$bad}" [ -z "$bad" ]
(cd "$DATA" && "$IMPORTER" -q include-main.conf) > /dev/null 2> "$T_DIR/quiet-notes.err"
check "-q: no notes" [ ! -s "$T_DIR/quiet-notes.err" ]
(cd "$DATA" && "$IMPORTER" -q --host lb1 conditional-hosts.conf) > "$T_DIR/lb1.ini"
check "--host lb1: lb1's @ lines, not lb2's nor the @^lb1 ones" eval \
    'grep -qx "state = MASTER" "$T_DIR/lb1.ini" && grep -qx "priority = 150" "$T_DIR/lb1.ini" &&
     grep -qx "unicast_src_ip = 203.0.113.11" "$T_DIR/lb1.ini" && grep -qx "unicast_peer = 203.0.113.12" "$T_DIR/lb1.ini" &&
     [ "$(grep -c "^state = \|^priority = \|^unicast_peer = \|^router_id = " "$T_DIR/lb1.ini")" = 4 ]'
(cd "$DATA" && "$IMPORTER" -q -i lb1 conditional-hosts.conf) > "$T_DIR/lb1-i.ini"
(cd "$DATA" && "$IMPORTER" -q --host=lb1 conditional-hosts.conf) > "$T_DIR/lb1-eq.ini"
check "-i NAME and --host=NAME are --host NAME" eval 'cmp -s "$T_DIR/lb1.ini" "$T_DIR/lb1-i.ini" && cmp -s "$T_DIR/lb1.ini" "$T_DIR/lb1-eq.ini"'
(cd "$DATA" && "$IMPORTER" -q --host lb3 conditional-hosts.conf) > /dev/null 2> "$T_DIR/lb3.err"; rc=$?
check "--host naming neither node: only the @^ lines apply, converted ($rc)" [ "$rc" = 0 ]
"$IMPORTER" --host > /dev/null 2>&1; rc=$?
check "--host without a name: exit 2 ($rc)" [ "$rc" = 2 ]
"$IMPORTER" -V | grep -q "^fipd-import-keepalived " ; check "-V prints the version" [ $? = 0 ]
"$IMPORTER" > /dev/null 2>&1; rc=$?
check "no file: exit 2 ($rc)" [ "$rc" = 2 ]
"$IMPORTER" --bogus x > /dev/null 2>&1; rc=$?
check "unknown option: exit 2 ($rc)" [ "$rc" = 2 ]
"$IMPORTER" "$T_DIR/does-not-exist.conf" > /dev/null 2>&1; rc=$?
check "missing file: exit 1 ($rc)" [ "$rc" = 1 ]

# --- 5. random input.
if python3 "$T_LIB_DIR/../import_fuzz.py" "$IMPORTER" "$T_DIR" 1 1500 > "$T_DIR/fuzz.out" 2>&1; then
	ok "$(tail -n 1 "$T_DIR/fuzz.out" | sed "s/^ok: //")"
else
	fail "random input:"
	sed 's/^/    | /' "$T_DIR/fuzz.out" | head -n 20
fi
finish
