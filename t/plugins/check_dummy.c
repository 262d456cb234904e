/*
 * Test plugin: a well-formed check plugin of type "dummy" with one
 * required key, `answer`, that must be "up" or "down".
 */
#include <stddef.h>
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

struct dummy_conf {
	int answer;		/* index in answers[]: 0 up, 1 down */
};

static const char *const answers[] = { "up", "down", NULL };

static const struct fipd_conf_key keys[] = {
	{ .name = "answer", .type = FIPD_KT_ENUM, .flags = FIPD_KF_REQUIRED,
	    .names = answers, .offset = offsetof(struct dummy_conf, answer),
	    .doc = "up or down" },
};

static const struct fipd_conf_schema schema = {
	.size = sizeof(struct dummy_conf),
	.keys = keys,
	.n_keys = 1,
};

static int
start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	const struct dummy_conf *c = conf;

	api->check_done(p, c->answer == 0 ? FIPD_CHECK_UP : FIPD_CHECK_DOWN,
	    "dummy");
	return 0;
}

static void
cancel(void *pctx)
{
}

static const struct fipd_check_ops ops = {
	.conf = &schema,
	.start = start,
	.cancel = cancel,
};

FIPD_PLUGIN(.name = "check_dummy", .kind = FIPD_PLUGIN_CHECK,
    .type = "dummy", .init = init, .check = &ops);
