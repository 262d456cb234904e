#!/usr/bin/env python3
"""Which BACKUP takeovers did the wire explain?

    advgaps.py ADVERTS LOG SRC MDI_MS [TOL_MS [SLACK_MS]]

ADVERTS: `tcpdump -n -tt -r` text of the adverts the BACKUP's interface
received; LOG: the BACKUP's fipd log (lines "HH:MM:SS.mmm VI_k: BACKUP ->
MASTER (...)"); SRC: the MASTER's address; MDI_MS: Master_Down_Interval.

A BACKUP that takes over when the MASTER's adverts for that VRID really
stopped for a Master_Down_Interval (a MASTER starved of CPU on a loaded
machine, or its adverts held in a busy kernel's backlog) does what RFC
9568 says; one that takes over while they kept arriving is wrong.  The
arrival times are the capture's (stamped as the packet reaches the packet
taps, just before the raw socket gets it).  A takeover logged at time t
is explained when VRID k's adverts were silent for at least MDI_MS -
TOL_MS (TOL_MS, default 0.5) in an interval that ended within [t -
SLACK_MS, t + 1 ms]: the log line is written a little after the decision
(SLACK_MS, default 5: a busy host may preempt the daemon between the two;
adverts arriving in between could not have been seen), and its time is
truncated to the millisecond.  A stream still arriving every interval
never has such a silence, so a false takeover is never explained.
Prints one summary line:

    takeovers N explained E unexplained U maxgap G_MS adverts A

and one "unexplained VI_k at T: last advert D ms before" line per
unexplained takeover.  Exit 0.
"""
import bisect
import re
import sys
import time


def epoch_of_day(hms, ref):
    """Seconds since the epoch for local time HH:MM:SS.mmm on ref's day."""
    h, m, s = hms.split(":")
    base = time.localtime(ref)
    day0 = time.mktime((base.tm_year, base.tm_mon, base.tm_mday, 0, 0, 0,
                        0, 0, -1))
    t = day0 + int(h) * 3600 + int(m) * 60 + float(s)
    # The run may cross midnight: take the day that puts t nearest ref.
    if t - ref > 43200:
        t -= 86400
    elif ref - t > 43200:
        t += 86400
    return t


def main():
    adverts, log, src, mdi = sys.argv[1], sys.argv[2], sys.argv[3], \
        float(sys.argv[4])
    tol = float(sys.argv[5]) if len(sys.argv) > 5 else 0.5
    slack = float(sys.argv[6]) if len(sys.argv) > 6 else 5.0
    arr = {}
    pat = re.compile(r"^(\d+\.\d+) IP (\S+) > \S+: VRRPv\d, Advertisement, "
                     r"vrid (\d+), prio (\d+)")
    n = 0
    with open(adverts) as f:
        for line in f:
            m = pat.match(line)
            if not m or m.group(2) != src or int(m.group(4)) == 0:
                continue
            arr.setdefault(int(m.group(3)), []).append(float(m.group(1)))
            n += 1
    ref = min((v[0] for v in arr.values()), default=time.time())
    maxgap = 0.0
    for v in arr.values():
        v.sort()
        for a, b in zip(v, v[1:]):
            maxgap = max(maxgap, b - a)
    tk = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) VI_(\d+): BACKUP -> MASTER")
    total = explained = 0
    bad = []
    with open(log) as f:
        for line in f:
            m = tk.match(line)
            if not m:
                continue
            total += 1
            t = epoch_of_day(m.group(1), ref)
            v = arr.get(int(m.group(2)), [])
            # The largest silence of VRID k that ended within [t - SLACK,
            # t + 1 ms]: ended by an arrival in that window, or still
            # running at t + 1 ms (the log's time is truncated to the ms).
            end = t + 0.001
            lo = bisect.bisect_left(v, t - slack / 1000)
            hi = bisect.bisect_right(v, end)
            gaps = [v[i] - v[i - 1] for i in range(max(lo, 1), hi)]
            if hi > 0:
                gaps.append(end - v[hi - 1])
            if not gaps:
                bad.append("unexplained VI_%s at %s: no advert before it"
                           % (m.group(2), m.group(1)))
                continue
            gap = max(gaps) * 1000
            if gap >= mdi - tol:
                explained += 1
            else:
                bad.append("unexplained VI_%s at %s: last advert %.1f ms "
                           "before" % (m.group(2), m.group(1), gap))
    print("takeovers %d explained %d unexplained %d maxgap %.1f adverts %d"
          % (total, explained, len(bad), maxgap * 1000, n))
    for b in bad:
        print(b)


if __name__ == "__main__":
    main()
