/* SPDX-License-Identifier: MIT */
/*
 * mcp.h - the tools of `hotpath mcp` (mcp_tools.c) that its JSON-RPC
 * server (cmd_mcp.c) lists and calls.
 */
#ifndef HPC_MCP_H
#define HPC_MCP_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

/* A tool's failure: its message, for an isError result or a -32602. */
typedef struct hpc_mcp_err {
	int code;      /* 0: a tool error (isError); else the JSON-RPC code */
	char msg[512];
} hpc_mcp_err;

typedef struct hpc_mcp_tool {
	const char *name, *title, *description;
	const char *schema; /* its inputSchema, JSON text */
	/* writes the result to w; false with e set (args NULL reads as {}) */
	bool (*call)(const hpi_jv *args, hpi_jw *w, hpc_mcp_err *e);
} hpc_mcp_tool;

/* The tools, in the order tools/list gives them. */
extern const hpc_mcp_tool hpc_mcp_tools[];
extern const size_t hpc_mcp_ntools;

#endif
