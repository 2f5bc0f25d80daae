/* SPDX-License-Identifier: MIT */
/* clash.c - a well-formed plugin that calls itself "timing": the loader
 * must refuse a name that a built-in plugin has. */
#include <hotpath/plugin.h>

static const hp_plugin_ops clash_ops = {
	.abi = HP_PLUGIN_ABI,
	.size = sizeof(hp_plugin_ops),
	.name = "timing",
};

HP_PLUGIN_EXPORT const hp_plugin_ops *hp_plugin_entry(void)
{
	return &clash_ops;
}
