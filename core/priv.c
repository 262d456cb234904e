/*
 * Privileges: least privilege by default (issue 4).
 *
 * fipd starts as root with every capability, opens what needs them (the
 * raw VRRP sockets, the netlink watcher, the control socket, the metrics
 * listener), loads its plugins and starts its instances.  Then main()
 * calls priv_drop(), which keeps only what the running daemon still
 * needs, in the effective, permitted and bounding sets:
 *
 *   CAP_NET_ADMIN   netlink address changes: action_netlink adds and
 *                   removes the VIPs on every transition and re-adds
 *                   them after drift.
 *   CAP_NET_RAW     raw sockets opened after start-up: the VRRP socket
 *                   (and its SO_BINDTODEVICE) of an interface that
 *                   appears late or of an instance added or changed by
 *                   a reload (net.c), and the AF_PACKET and ICMPv6
 *                   sockets action_arping opens when an instance
 *                   (re)starts.  Sending on a socket already open needs
 *                   no capability.
 *   CAP_SETUID,     check and notify scripts run as [global] script_user:
 *   CAP_SETGID      the child calls setgroups(0, NULL), setgid, setuid.
 *   CAP_KILL        those scripts, running as another uid, are killed
 *                   (their process groups) at their timeout.
 *
 * Everything else goes, among them CAP_SYS_ADMIN, CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN, CAP_SYS_PTRACE,
 * CAP_SYS_MODULE, CAP_NET_BIND_SERVICE (the metrics listener is bound
 * once, before; a reload does not re-bind it) and CAP_SETPCAP (dropped
 * last, so that the bounding set cannot grow again).
 *
 * Why the bounding set too: the daemon keeps uid 0, and an execve by
 * uid 0 (a script with script_user = root, or a setuid-root helper such
 * as sudo run by a script) would otherwise get every capability back.
 * With the bounding set reduced, nothing fipd starts ever holds more than
 * the five above; a script running as an unprivileged script_user holds
 * none (the uid change clears them).  The inheritable and ambient sets
 * are emptied.
 *
 * Why uid 0 stays: the pid file and the control socket in RUNDIR are
 * removed at exit, a reload reads the configuration and plugins (often
 * root's, mode 0600/0640), and the script plugins decide from
 * geteuid() == 0 that they may switch users.  Without CAP_DAC_OVERRIDE
 * and CAP_FOWNER, uid 0 still owns root's files but can no longer read
 * or write files that other users own and protect.
 *
 * PR_SET_NO_NEW_PRIVS is not set.  It is compatible with script_user
 * (it does not stop setuid() by a CAP_SETUID holder, only privilege
 * gains through execve: setuid bits and file capabilities), but it would
 * break scripts that use sudo or another setuid helper, and the bounding
 * set already caps what those can get.  The systemd unit sets
 * NoNewPrivileges=yes for installations that want both.
 *
 * Securebits are left alone: SECBIT_NOROOT would leave a script_user =
 * root script without CAP_NET_ADMIN, which scripts that run ip(8) need.
 *
 * Opt-out: priv_keep_all(1) before priv_drop() (for a [global] key), or
 * build with CPPFLAGS=-DFIPD_KEEP_PRIVILEGES.
 *
 * Not running as root (tests, or a user with file capabilities): the
 * same rule applies to whatever capabilities the process has; without
 * any, there is nothing to drop and priv_drop() says so and returns 0.
 *
 * Raw capget/capset system calls: no libcap dependency.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT			47
#define PR_CAP_AMBIENT_CLEAR_ALL	4
#endif

#define PRIV_BIT(c)	(UINT64_C(1) << (c))
/* What the running daemon keeps (see above). */
#define PRIV_KEEP	(PRIV_BIT(CAP_NET_ADMIN) | PRIV_BIT(CAP_NET_RAW) | \
	PRIV_BIT(CAP_SETUID) | PRIV_BIT(CAP_SETGID) | PRIV_BIT(CAP_KILL))
/* Capability numbers fit in 64 bits (two 32-bit words, version 3). */
#define PRIV_CAP_MAX	63

/* Moves to daemon.h once main.c calls it. */
void priv_keep_all(int);

static int priv_keep;

static int priv_get(uint64_t *, uint64_t *, uint64_t *);
static int priv_set(uint64_t, uint64_t, uint64_t);
static int priv_last_cap(void);
static uint64_t priv_bounding(int);
static const char *priv_names(uint64_t, char *, size_t);

/*
 * Keep every privilege (an operator's explicit choice): priv_drop()
 * then only logs that it keeps them.
 */
void
priv_keep_all(int yes)
{
	priv_keep = yes;
}

static int
priv_get(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	*eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	*perm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	*inh = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	return 0;
}

static int
priv_set(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	data[0].permitted = (uint32_t)perm;
	data[1].permitted = (uint32_t)(perm >> 32);
	data[0].inheritable = (uint32_t)inh;
	data[1].inheritable = (uint32_t)(inh >> 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* The kernel's highest capability number. */
static int
priv_last_cap(void)
{
	FILE *f;
	int n = -1;

	if ((f = fopen("/proc/sys/kernel/cap_last_cap", "re")) != NULL) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	if (n >= 0 && n <= PRIV_CAP_MAX)
		return n;
	/* No /proc: ask the bounding set, which knows every valid one. */
	for (n = 0; n < PRIV_CAP_MAX; n++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)n + 1, 0, 0, 0) ==
		    -1)
			break;
	return n;
}

static uint64_t
priv_bounding(int last)
{
	uint64_t b = 0;
	int c;

	for (c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 1)
			b |= PRIV_BIT(c);
	return b;
}

/* "CAP_NET_ADMIN CAP_NET_RAW ..." for the kept ones, else numbers. */
static const char *
priv_names(uint64_t set, char *buf, size_t len)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
		{ CAP_NET_RAW, "CAP_NET_RAW" },
		{ CAP_SETUID, "CAP_SETUID" },
		{ CAP_SETGID, "CAP_SETGID" },
		{ CAP_KILL, "CAP_KILL" },
	};
	size_t i, n = 0;
	int c;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((set & PRIV_BIT(names[i].cap)) != 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n > 0 ? " " : "", names[i].name);
	for (c = 0; c <= PRIV_CAP_MAX; c++)
		if ((set & PRIV_BIT(c) & ~PRIV_KEEP) != 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%scap#%d",
			    n > 0 ? " " : "", c);
	if (n == 0)
		snprintf(buf, len, "none");
	return buf;
}

int
priv_drop(void)
{
	uint64_t eff, perm, inh, keep, bnd;
	char names[256];
	int last, c;

#ifdef FIPD_KEEP_PRIVILEGES
	priv_keep = 1;
#endif
	if (priv_get(&eff, &perm, &inh) == -1) {
		log_warn("capget");
		return -1;
	}
	if (priv_keep) {
		log_notice("keeping every privilege (configured so): "
		    "scripts running as root get them all");
		return 0;
	}
	last = priv_last_cap();
	if (perm == 0 && inh == 0) {
		log_info("running with no capabilities (uid %u): nothing to "
		    "drop", (unsigned int)geteuid());
		return 0;
	}

	/* Bounding set first: it needs CAP_SETPCAP, which goes last. */
	if ((perm & PRIV_BIT(CAP_SETPCAP)) != 0) {
		if ((eff & PRIV_BIT(CAP_SETPCAP)) == 0 &&
		    priv_set(eff | PRIV_BIT(CAP_SETPCAP), perm, inh) == -1) {
			log_warn("capset (raising CAP_SETPCAP)");
			return -1;
		}
		for (c = 0; c <= last; c++) {
			if ((PRIV_KEEP & PRIV_BIT(c)) != 0 ||
			    prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0,
			    0) != 1)
				continue;
			if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0,
			    0) == -1) {
				log_warn("prctl(PR_CAPBSET_DROP, %d)", c);
				return -1;
			}
		}
	} else if ((priv_bounding(last) & ~PRIV_KEEP) != 0)
		log_notice("no CAP_SETPCAP: the capability bounding set "
		    "stays as it is");

	/* Linux < 4.3 has no ambient set: nothing to clear then. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		log_warn("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
		return -1;
	}

	keep = perm & PRIV_KEEP;
	if (priv_set(keep, keep, 0) == -1) {
		log_warn("capset");
		return -1;
	}
	if (priv_get(&eff, &perm, &inh) == -1 || eff != keep ||
	    perm != keep || inh != 0) {
		log_warnx("capabilities not as set: effective %#llx "
		    "permitted %#llx inheritable %#llx",
		    (unsigned long long)eff, (unsigned long long)perm,
		    (unsigned long long)inh);
		return -1;
	}
	bnd = priv_bounding(last);
	log_info("privileges dropped: keeping %s (uid %u); bounding set %s",
	    priv_names(keep, names, sizeof(names)), (unsigned int)geteuid(),
	    (bnd & ~PRIV_KEEP) == 0 ? "likewise" : "unchanged");
	if ((keep & PRIV_BIT(CAP_NET_ADMIN)) == 0 ||
	    (keep & PRIV_BIT(CAP_NET_RAW)) == 0)
		log_warnx("running without %s: %s",
		    (keep & PRIV_BIT(CAP_NET_ADMIN)) == 0 ? "CAP_NET_ADMIN" :
		    "CAP_NET_RAW", (keep & PRIV_BIT(CAP_NET_ADMIN)) == 0 ?
		    "VIPs cannot be added or removed" :
		    "sockets cannot be opened for new interfaces");
	return 0;
}
