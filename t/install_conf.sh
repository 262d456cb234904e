#!/bin/bash
# `make install` never overwrites an existing fipd.conf (issue 13): the
# first install puts the example in place; when one exists (edited or
# not), the example goes beside it as fipd.conf.dist; uninstall removes
# fipd.conf only while it is the unchanged example.  Uses the build's own
# install-fipd-conf / uninstall-fipd-conf targets with a DESTDIR of its
# own.  No root needed.
. "$(dirname "$0")/integration/lib.sh"

t_init 60
B=${FIPD_BUILDDIR:-.}
[ -f "$B/Makefile" ] || skip "no Makefile in $B"
D=$T_DIR/dest
mk() { make -s --no-print-directory -C "$B" "$1" DESTDIR="$D" > "$T_DIR/make.out" 2>&1; }
mk install-fipd-conf || die "install-fipd-conf failed: $(cat "$T_DIR/make.out")"
f=$(find "$D" -name fipd.conf -type f | head -n 1)
[ -n "$f" ] || die "install-fipd-conf installed no fipd.conf under $D"
C=$(dirname "$f")
EX=$T_LIB_DIR/../../etc/fipd.conf

check "first install: fipd.conf is the example" cmp -s "$EX" "$C/fipd.conf"
echo "; edited by the operator" >> "$C/fipd.conf"
mk install-fipd-conf || die "second install failed: $(cat "$T_DIR/make.out")"
check "second install keeps the edited fipd.conf" grep -q 'edited by the operator' "$C/fipd.conf"
check "and puts the example beside it as fipd.conf.dist" cmp -s "$EX" "$C/fipd.conf.dist"
check "and says so" grep -q 'exists: kept' "$T_DIR/make.out"
mk uninstall-fipd-conf
check "uninstall keeps the edited fipd.conf" [ -e "$C/fipd.conf" ]
check "and removes fipd.conf.dist" [ ! -e "$C/fipd.conf.dist" ]
rm -f "$C/fipd.conf"
mk install-fipd-conf && mk uninstall-fipd-conf
check "install then uninstall of the example leaves nothing" [ ! -e "$C/fipd.conf" ]
finish
