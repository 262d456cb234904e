/*
 * Test plugin: a well-formed check plugin of type "dummy" with one key,
 * `answer`, that must be "up" or "down".
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "fipd/plugin.h"

static const struct fipd_host_api *api;

static int
init(struct fipd_host *h, const struct fipd_host_api *a)
{
	api = a;
	return 0;
}

static int
conf_key(struct fipd_host *h, void **conf, const char *key,
    const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "answer") != 0)
		return 1;
	if (strcmp(value, "up") != 0 && strcmp(value, "down") != 0) {
		snprintf(err, errlen, "expected up or down, got '%s'", value);
		return -1;
	}
	free(*conf);
	*conf = strdup(value);
	return *conf == NULL ? -1 : 0;
}

static int
conf_check(struct fipd_host *h, void *conf, char *err, size_t errlen)
{
	if (conf == NULL) {
		snprintf(err, errlen, "missing 'answer'");
		return -1;
	}
	return 0;
}

static int
start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	api->check_done(p, strcmp(conf, "up") == 0 ? FIPD_CHECK_UP :
	    FIPD_CHECK_DOWN, "dummy");
	return 0;
}

static void
cancel(void *pctx)
{
}

static const struct fipd_check_ops ops = {
	.conf_key = conf_key,
	.conf_check = conf_check,
	.conf_free = free,
	.start = start,
	.cancel = cancel,
};

FIPD_PLUGIN(.name = "check_dummy", .kind = FIPD_PLUGIN_CHECK,
    .type = "dummy", .init = init, .check = &ops);
