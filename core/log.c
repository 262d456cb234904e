/*
 * Logging: syslog, plus stderr until the daemon detaches (or always in
 * the foreground).
 *
 * Two cases where syslog is left out: stderr already goes to the systemd
 * journal (systemd sets JOURNAL_STREAM to its device:inode), where syslog
 * would write every line a second time (lines then start with the
 * "<PRIORITY>" prefix journald reads, instead of a time stamp); and no syslog socket at all (a
 * container, a test namespace), where the C library would open, fail to
 * connect and close a socket for every line: the socket is looked for
 * again every LOG_PROBE_S seconds instead.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef _PATH_LOG
#define _PATH_LOG "/dev/log"
#endif
#define LOG_PROBE_S 10

#include "fipd.h"

static int log_stderr = 1;
static int log_syslog;
static int log_syslog_wanted;		/* to_syslog as asked by log_init */
static const char *log_ident;
static int log_journal;			/* stderr is the systemd journal */
static int log_debug_on;
static int syslog_there;		/* the socket existed when last looked */
static time_t syslog_probed;		/* when (CLOCK_MONOTONIC seconds) */

/* Is stderr the journal stream systemd gave us? */
int
log_stderr_is_journal(const char *journal_stream, int fd)
{
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (journal_stream == NULL || sscanf(journal_stream, "%llu:%llu%c",
	    &dev, &ino, &end) != 2)
		return 0;
	if (fstat(fd, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

static int
syslog_ready(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (syslog_probed == 0 || ts.tv_sec - syslog_probed >= LOG_PROBE_S) {
		syslog_there = access(_PATH_LOG, F_OK) == 0;
		syslog_probed = ts.tv_sec > 0 ? ts.tv_sec : 1;
	}
	return syslog_there;
}

void
log_init(const char *ident, int to_stderr, int to_syslog, int debug)
{
	log_stderr = to_stderr;
	log_syslog = log_syslog_wanted = to_syslog;
	log_ident = ident;
	log_debug_on = debug;
	if (log_stderr &&
	    log_stderr_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO)) {
		log_journal = 1;
		log_syslog = 0;
	}
	if (log_syslog)
		openlog(ident, LOG_PID | (syslog_ready() ? LOG_NDELAY : 0),
		    LOG_DAEMON);
	tzset();
}

void
log_set_stderr(int on)
{
	log_stderr = on;
	/* Detached from the journal's stream: syslog is the only way left. */
	if (!on && log_syslog_wanted && !log_syslog) {
		log_syslog = 1;
		openlog(log_ident, LOG_PID | (syslog_ready() ? LOG_NDELAY : 0),
		    LOG_DAEMON);
	}
}

void
log_vlog(int prio, const char *fmt, va_list ap)
{
	va_list ap2;

	if (prio == LOG_DEBUG && !log_debug_on)
		return;
	if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char tbuf[32];

		va_copy(ap2, ap);
		if (log_journal) {
			/* The journal stamps lines; "<N>" is the priority. */
			fprintf(stderr, "<%d>", prio);
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			localtime_r(&ts.tv_sec, &tm);
			strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
			fprintf(stderr, "%s.%03ld ", tbuf,
			    ts.tv_nsec / 1000000);
		}
		vfprintf(stderr, fmt, ap2);
		fputc('\n', stderr);
		fflush(stderr);
		va_end(ap2);
	}
	if (log_syslog && syslog_ready()) {
		va_copy(ap2, ap);
		vsyslog(prio, fmt, ap2);
		va_end(ap2);
	}
}

static void
log_with_errno(int prio, int saved, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_emit(prio, "%s: %s", buf, strerror(saved));
}

void
log_emit(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(prio, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_with_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

#define LOG_FN(fn, prio)                                                   \
	void                                                               \
	fn(const char *fmt, ...)                                           \
	{                                                                  \
		va_list ap;                                                \
                                                                           \
		va_start(ap, fmt);                                         \
		log_vlog(prio, fmt, ap);                                   \
		va_end(ap);                                                \
	}

LOG_FN(log_warnx, LOG_WARNING)
LOG_FN(log_notice, LOG_NOTICE)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_with_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_limit_ok(struct log_limit *l, uint64_t now_us)
{
	uint64_t period = (uint64_t)(l->period_s ? l->period_s : 10) * 1000000;
	unsigned int burst = l->burst ? l->burst : 5;

	if (l->window_start == 0 || now_us - l->window_start >= period) {
		if (l->suppressed > 0)
			log_warnx("(%u similar messages suppressed)",
			    l->suppressed);
		l->window_start = now_us;
		l->in_window = 0;
		l->suppressed = 0;
	}
	if (l->in_window < burst) {
		l->in_window++;
		return 1;
	}
	l->suppressed++;
	return 0;
}
