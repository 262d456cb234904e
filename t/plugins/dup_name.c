/* Test plugin: valid, but named like good_check.c's plugin. */
#include <stddef.h>

#include "fipd/plugin.h"

static int
conf_key(struct fipd_host *h, void **conf, const char *key,
    const char *value, char *err, size_t errlen)
{
	return 1;
}

static int
start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	return -1;
}

static const struct fipd_check_ops ops = {
	.conf_key = conf_key,
	.start = start,
};

FIPD_PLUGIN(.name = "check_dummy", .kind = FIPD_PLUGIN_CHECK,
    .type = "dummy2", .check = &ops);
