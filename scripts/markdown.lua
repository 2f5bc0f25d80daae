-- SPDX-License-Identifier: MIT
-- markdown.lua - the report as GitHub-flavoured Markdown, fit for a pull
-- request comment: a heading, the total time, then one table per section
-- with the columns and values of the table report (text left-aligned,
-- numbers right-aligned), and the drop count when events were dropped.
--
-- options:  path = nil          write to this file; nil: print it (stderr in
--                               a profiled program, stdout in `hotpath report`)
--           title = "hotpath"   the heading, before the caller
--           columns = "shown"   "all": every column, not only table.columns
local hp = require "hotpath"

local numeric = { count = true, ns = true, bytes = true, percent = true, rate = true }

-- As hotpath compare --format markdown writes them (docs/ci.md): titles as
-- text with markdown punctuation escaped, values taken from the report as
-- code spans, numbers as hotpath formats them.
local text, code = hp.md_text, hp.md_code

-- One cell: a number as formatted, "-" when unset, anything else (text,
-- or what a hand-made report put in a numeric column) as a code span.
local function cell(v, unit)
	if v == nil or (numeric[unit] and type(v) == "number") then
		return hp.format(v, unit)
	end
	return code(hp.format(v, unit), true)
end

-- One section's table, and a note when report.limit left rows out.
local function section(sec, all)
	local cols = all and sec.columns or hp.columns(sec)
	local head, right, rows = {}, {}, {}
	for i, col in ipairs(cols) do
		head[i] = text(col.title)
		right[i] = numeric[col.unit] or false
	end
	rows[1] = head
	for row in hp.rows(sec) do
		local cells = {}
		for i, col in ipairs(cols) do
			cells[i] = cell(row[col.key], col.unit)
		end
		rows[#rows + 1] = cells
	end
	-- the table as hotpath compare writes its own (core/box.c)
	local out = { (hp.md_table(rows, right):gsub("\n$", "")) }
	if #sec.rows < (sec.total_rows or 0) then
		out[#out + 1] = ""
		out[#out + 1] = string.format("_%d of %d rows._", #sec.rows, sec.total_rows)
	end
	return table.concat(out, "\n")
end

return function(report, options)
	local elapsed = math.type(report.elapsed_ns) == "integer" and report.elapsed_ns or 0
	local out = {
		string.format("### %s: %s", text(options.title or "hotpath"),
			code(report.caller or report.program or "unknown")),
		"",
		"Total time: **" .. hp.ns(elapsed) .. "**",
	}
	for sec in hp.sections(report) do
		-- meta "table.hide": the call tree's stacks, too wide for a comment
		if #sec.columns > 0 and not (sec.meta and sec.meta["table.hide"]) then
			out[#out + 1] = "\n#### " .. text(sec.title) .. "\n"
			out[#out + 1] = section(sec, options.columns == "all")
		end
	end
	if report.dropped ~= nil and tostring(report.dropped) ~= "0" then
		out[#out + 1] = string.format("\n> **Warning:** %s events dropped: per-thread buffers "
			.. "were full; counts above are low by that much.", tostring(report.dropped))
	end
	local text = table.concat(out, "\n") .. "\n"
	if options.path then
		return hp.write_file(options.path, text)
	end
	io.write(text)
end
