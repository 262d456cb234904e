/* Test plugin: the symbol exists but is not a fipd descriptor. */
#include "fipd/plugin.h"

__attribute__((visibility("default"))) const struct fipd_plugin
    fipd_plugin_info = {
	.magic = 0x12345678,
	.abi_version = FIPD_PLUGIN_ABI_VERSION,
	.name = "bad_magic",
	.kind = FIPD_PLUGIN_ACTION,
};
