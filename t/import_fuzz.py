#!/usr/bin/env python3
"""Random keepalived-like input through fipd-import-keepalived, in
process: every input must end in exit 0 or 1 (converted, or errors
reported), never in a Python exception.

usage: import_fuzz.py IMPORTER TMPDIR [SEED [COUNT]]
"""
import contextlib
import importlib.machinery
import importlib.util
import io
import os
import random
import sys


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    loader = importlib.machinery.SourceFileLoader("importer", argv[0])
    spec = importlib.util.spec_from_loader("importer", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    seed = int(argv[2]) if len(argv) > 2 else 1
    count = int(argv[3]) if len(argv) > 3 else 1000
    words = sorted(set(mod.INSTANCE_KW) | set(mod.SCRIPT_KW) |
                   set(mod.GLOBAL_KW) | set(mod.TOP_KW)) + [
        "{", "}", "{", "}", "VI_1", "chk", "192.0.2.1", "192.0.2.1/24",
        "2001:db8::1", "eth0", "100", "0", "-5", "300", "1.5", "weight",
        "dev", "label", "scope", "\"/bin/true x\"", "\"unterminated", "#",
        "!", "<--", "include", "@x", "$V", "\n", "\n", "\n", "reverse",
        "MASTER", "BACKUP", "PASS", "AH", "group", "\t", "\"\"", "{}",
        "'killall -0 x'", "'", "\"</dev/tcp/127.0.0.1/80\"",
        "\"</dev/tcp/::1/99999\"", "\"</x y\"", "@^x", "@y", "root",
        "nobody", "eth1", "255", "\"/bin/true a\" root grp"]
    rnd = random.Random(seed)
    path = os.path.join(argv[1], "fuzz.conf")
    for it in range(count):
        doc = " ".join(rnd.choice(words) for _ in range(rnd.randint(0, 80)))
        if rnd.random() < 0.5:
            doc = ("vrrp_instance VI_%d { interface eth0 virtual_router_id 5 "
                   "virtual_ipaddress { 192.0.2.9 } %s }" % (it, doc))
        with open(path, "w", encoding="utf-8") as fp:
            fp.write(doc)
        with contextlib.redirect_stderr(io.StringIO()), \
                contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = mod.main(["--host", "x", path] if it % 3 == 0
                              else [path])
            except SystemExit as e:
                rc = e.code
            except Exception as e:     # what this test is looking for
                rc = "%s: %s" % (type(e).__name__, e)
        if rc not in (0, 1):
            print("FAIL: input %d (seed %d) gave %r:\n%s" % (it, seed, rc, doc))
            return 1
    print("ok: %d random inputs, each converted or refused cleanly" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
