/*
 * Test plugin: right magic, the previous ABI version (a plugin built for
 * an older fipd).  The loader must refuse it.
 */
#include "fipd/plugin.h"

static void
tr(void *ictx, const struct fipd_transition *t)
{
}

static const struct fipd_action_ops ops = { .transition = tr };

__attribute__((visibility("default"))) const struct fipd_plugin
    fipd_plugin_info = {
	.magic = FIPD_PLUGIN_MAGIC,
	.abi_version = FIPD_PLUGIN_ABI_VERSION - 1,
	.name = "bad_abi",
	.kind = FIPD_PLUGIN_ACTION,
	.action = &ops,
};
