/*
 * Logging: syslog, plus stderr until the daemon detaches (or always in
 * the foreground).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "fipd.h"

static int log_stderr = 1;
static int log_syslog;
static int log_debug_on;

void
log_init(const char *ident, int to_stderr, int to_syslog, int debug)
{
	log_stderr = to_stderr;
	log_syslog = to_syslog;
	log_debug_on = debug;
	if (log_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_set_stderr(int on)
{
	log_stderr = on;
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

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		va_copy(ap2, ap);
		fprintf(stderr, "%s.%03ld ", tbuf, ts.tv_nsec / 1000000);
		vfprintf(stderr, fmt, ap2);
		fputc('\n', stderr);
		fflush(stderr);
		va_end(ap2);
	}
	if (log_syslog) {
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
