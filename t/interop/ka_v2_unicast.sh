#!/bin/bash
# fipd + keepalived, VRRPv2 unicast with PASS authentication: the wiki setup
# (advert 1 s, VRID 50, unicast_src_ip/unicast_peer, auth_pass EcbCp2b1), one
# node running fipd and the other keepalived (lib.sh's translation of the
# same INI).
#
#   - fipd priority 100 / keepalived 50, then keepalived 100 / fipd 50:
#     the higher priority is elected; the master crashes (SIGKILL, its VIP
#     gone) and the other takes over within Master_Down_Interval (3.805 s for
#     priority 50) + margin after the last advert; the crashed one restarts
#     and takes the VIP back;
#   - equal priority 100: a partition makes both master; when it heals
#     the higher address (192.0.2.2, n2) wins whichever implementation runs
#     there, and there is never a second master afterwards.
. "$(dirname "$0")/lib-interop.sh"

i_setup 100 4
i_need_keepalived
I_VER=2 I_ADV=1 I_LABEL="v2 unicast"
I_CONF_KEYS=()
prober_start 100

i_failover_pair fipd keepalived
i_failover_pair keepalived fipd
I_WATCH_MS=2500
i_tie_pair fipd keepalived
i_tie_pair keepalived fipd

prober_stop
i_finish
