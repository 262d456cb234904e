/*
 * Test plugin: an action plugin whose key table claims a core key
 * (priority) and repeats a typed key.  The loader must refuse it, naming
 * the first problem.
 */
#include <stddef.h>

#include "fipd/plugin.h"

struct bt_conf {
	unsigned int n;
};

static void
tr(void *ictx, const struct fipd_transition *t)
{
}

static const struct fipd_conf_key keys[] = {
	FIPD_KEY_NUM("bt_count", FIPD_KT_UINT, FIPD_KF_REPEAT, 0, 9,
	    struct bt_conf, n, "0-9"),
	FIPD_KEY_NUM("priority", FIPD_KT_UINT, 0, 0, 9, struct bt_conf, n,
	    "0-9"),
};

static const struct fipd_conf_schema schema = {
	.size = sizeof(struct bt_conf),
	.keys = keys,
	.n_keys = 2,
};

static const struct fipd_action_ops ops = { .conf = &schema,
    .transition = tr };

FIPD_PLUGIN(.name = "bad_table", .kind = FIPD_PLUGIN_ACTION,
    .action = &ops);
