/* Test plugin: valid, but named like good_check.c's plugin. */
#include <stddef.h>

#include "fipd/plugin.h"

struct dup_conf {
	int unused;
};

static const struct fipd_conf_schema schema = {
	.size = sizeof(struct dup_conf),
};

static int
start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	return -1;
}

static const struct fipd_check_ops ops = {
	.conf = &schema,
	.start = start,
};

FIPD_PLUGIN(.name = "check_dummy", .kind = FIPD_PLUGIN_CHECK,
    .type = "dummy2", .check = &ops);
