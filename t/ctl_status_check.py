#!/usr/bin/env python3
"""Validate `fipctl status --json` against the documented fields
(DESIGN.md section 7 and fipctl(8)), then print one summary line per
instance: "NAME STATE TRANSITIONS MASTER EFFECTIVE_PRIORITY".

usage: ctl_status_check.py FILE [--expect NAME=STATE]...

Exit 1 with a message per violation; --expect adds a state assertion.
"""
import ipaddress
import json
import sys

STATES = {"INIT", "BACKUP", "MASTER", "FAULT", "STOP"}


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def check_instance(inst, errs):
    def need(key, pred, what):
        if key not in inst:
            errs.append("instance %s: missing %r" % (inst.get("name"), key))
            return
        if not pred(inst[key]):
            errs.append("instance %s: %r is not %s: %r" %
                        (inst.get("name"), key, what, inst[key]))

    need("name", lambda v: isinstance(v, str) and v, "a name")
    need("state", lambda v: v in STATES, "a state")
    need("priority", lambda v: is_int(v) and 1 <= v <= 255, "1-255")
    need("effective_priority", lambda v: is_int(v) and 0 <= v <= 255,
         "0-255")
    need("vrid", lambda v: is_int(v) and 1 <= v <= 255, "1-255")
    need("version", lambda v: v in (2, 3), "2 or 3")
    need("interface", lambda v: isinstance(v, str) and v, "a name")
    need("transitions", lambda v: is_int(v) and v >= 0, "a count")

    def vips_ok(v):
        if not isinstance(v, list) or not v:
            return False
        for a in v:
            ipaddress.ip_interface(a)
        return True

    def master_ok(v):
        if v is None:
            return True
        ipaddress.ip_address(v)
        return True

    try:
        need("vips", vips_ok, "a list of addresses")
        need("master", master_ok, "an address or null")
    except ValueError as e:
        errs.append("instance %s: %s" % (inst.get("name"), e))

    def checks_ok(v):
        return isinstance(v, list) and all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and
            "up" in c and (c["up"] is None or isinstance(c["up"], bool))
            for c in v)

    need("checks", checks_ok, "a list of {name, up}")

    def counters_ok(v):
        if not isinstance(v, dict):
            return False
        for k, x in v.items():
            if isinstance(x, dict):
                if not all(is_int(y) and y >= 0 for y in x.values()):
                    return False
            elif not (is_int(x) and x >= 0):
                return False
        return all(k in v for k in ("adverts_sent", "adverts_received",
                                    "dropped"))

    need("counters", counters_ok, "an object of counts")

    lt = inst.get("last_transition", "absent")
    if lt == "absent":
        errs.append("instance %s: missing 'last_transition'" % inst["name"])
    elif lt is not None and not (isinstance(lt, dict) and
                                 isinstance(lt.get("reason"), str) and
                                 is_num(lt.get("age_seconds")) and
                                 lt["age_seconds"] >= 0):
        errs.append("instance %s: bad last_transition %r" %
                    (inst["name"], lt))


def main(argv):
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[0], encoding="utf-8") as fp:
        raw = fp.read()
    errs = []
    if raw.count("\n") != 1 or not raw.endswith("\n"):
        errs.append("the reply is not exactly one line")
    try:
        st = json.loads(raw)
    except ValueError as e:
        print("status_check: not JSON: %s" % e, file=sys.stderr)
        return 1
    if not isinstance(st, dict) or not isinstance(st.get("instances"), list):
        print("status_check: no 'instances' list", file=sys.stderr)
        return 1
    for inst in st["instances"]:
        if not isinstance(inst, dict):
            errs.append("an instance is not an object")
            continue
        check_instance(inst, errs)
    if not isinstance(st.get("checks"), list):
        errs.append("no top-level 'checks' list")
    else:
        for c in st["checks"]:
            for k in ("name", "type", "up", "probes", "failures",
                      "last_duration_seconds"):
                if k not in c:
                    errs.append("check %s: missing %r" % (c.get("name"), k))
    by_name = {i.get("name"): i for i in st["instances"]
               if isinstance(i, dict)}
    i = 1
    while i + 1 < len(argv):
        if argv[i] == "--expect":
            name, _, state = argv[i + 1].partition("=")
            got = by_name.get(name, {}).get("state")
            if got != state:
                errs.append("instance %s: state %s, expected %s" %
                            (name, got, state))
        i += 2
    for e in errs:
        print("status_check: %s" % e, file=sys.stderr)
    for inst in st["instances"]:
        if isinstance(inst, dict):
            print("%s %s %s %s %s" % (inst.get("name"), inst.get("state"),
                                      inst.get("transitions"),
                                      inst.get("master") or "-",
                                      inst.get("effective_priority")))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
