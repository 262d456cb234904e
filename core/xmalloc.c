/* Allocation that cannot fail: the core treats out-of-memory as fatal. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fipd.h"

void *
xmalloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	if ((p = malloc(n)) == NULL)
		fatal("xmalloc(%zu)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void *p;

	if (nmemb == 0 || n == 0)
		nmemb = n = 1;
	if ((p = calloc(nmemb, n)) == NULL)
		fatal("xcalloc(%zu, %zu)", nmemb, n);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	if ((p = realloc(old, n)) == NULL)
		fatal("xrealloc(%zu)", n);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("xstrdup");
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xasprintf");
	return n;
}
