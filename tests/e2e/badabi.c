/* SPDX-License-Identifier: MIT */
/* A plugin built for a future plugin ABI: hotpath must refuse it by name. */
#include <hotpath/plugin.h>

static const hp_plugin_ops badabi_ops = {
	.abi = 99,
	.size = sizeof(hp_plugin_ops),
	.name = "badabi",
};

HP_PLUGIN_EXPORT const hp_plugin_ops *hp_plugin_entry(void)
{
	return &badabi_ops;
}
