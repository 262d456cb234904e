#!/bin/bash
# fipd + FRR vrrpd (with zebra), VRRPv3 over IPv4 multicast (224.0.0.18), VIP 192.0.2.100,
# advert 0.1 s, VRID 50.  FRR runs in the node's namespace with private
# config, pid, zserv and vty paths; its VIP lives on a macvlan with the virtual
# MAC (vrrp4-2-50, created here: FRR creates nothing), which vrrpd keeps in
# protodown while Backup.
#
#   - fipd priority 100 / FRR 50, then FRR 100 / fipd 50: election, crash of
#     the master (SIGKILL; the VIP goes with it), takeover within
#     Master_Down_Interval + margin after the last advert (measured on the
#     wire), the client served by the new master, restart and preemption back;
#   - equal priority: a partition makes both master, the heal leaves the
#     higher address alone, whichever implementation runs there.
#
# Needs FRR (Debian: apt-get install frr; zebra and vrrpd are run directly,
# no service is started) and a kernel with macvlan and protodown (5.1+).
. "$(dirname "$0")/lib-interop.sh"

i_setup 100 4
i_need_frr
I_VER=3 I_ADV=0.1 I_LABEL="FRR v3 IPv4"
I_CONF_KEYS=(version=3 advert_int=0.1 auth_pass= unicast_src_ip= unicast_peer=)
prober_start 100

i_failover_pair fipd frr
i_failover_pair frr fipd
i_tie_pair fipd frr
i_tie_pair frr fipd

prober_stop
i_finish
