-- SPDX-License-Identifier: MIT
-- hotpath.lua - helpers for Lua reporters:  local hp = require "hotpath"
--
-- Built into libhotpath (core/Makemodule.am turns this file into a C
-- string); its C half, `core`, comes from core/lua_report.c.  hp.table and
-- hp.render write what the table report writes, and hp.json what the JSON
-- report writes, byte for byte.  docs/lua.md documents every function.
local core = ...

local concat, format, sort = table.concat, string.format, table.sort
local mtype, tointeger, floor = math.type, math.tointeger, math.floor
local type, pairs, ipairs, tostring, tonumber, next = type, pairs, ipairs, tostring, tonumber, next
local order = core.order

local M = { VERSION = core.version }

-- ---- values as the table report shows them --------------------------------

M.ns = core.ns       -- 1160300 -> "1.16ms"
M.bytes = core.bytes -- 1536 -> "1.50KiB"

-- 91.46 -> "91.46%" (the library's formatter, as the table and the console)
function M.percent(x)
	return core.unit(x, "percent")
end

-- 12.25 -> "12.2/s"
function M.rate(x)
	return core.unit(x, "rate")
end

-- 100 -> "100"
function M.count(n)
	if mtype(n) == "integer" then
		return format("%d", n)
	end
	return format("%.0f", n)
end

local by_unit = { ns = M.ns, bytes = M.bytes, percent = M.percent, rate = M.rate, count = M.count }

-- A cell's text for a column of this unit; nil is "-".  A number in an
-- unknown unit shows like a count, anything else as tostring shows it.
function M.format(value, unit)
	if value == nil then
		return "-"
	elseif type(value) ~= "number" or unit == "text" then
		return tostring(value)
	end
	return (by_unit[unit] or M.count)(value)
end

-- ---- finding things ---------------------------------------------------------

-- The section with this id, or nil.
function M.section(report, id)
	for _, sec in ipairs(report.sections) do
		if sec.id == id then
			return sec
		end
	end
end

-- The column of a section with this key, and its index; nil if none.
function M.column(section, key)
	for i, col in ipairs(section.columns) do
		if col.key == key then
			return col, i
		end
	end
end

-- for sec in hp.sections(report) do ... end
function M.sections(report)
	local i = 0
	return function()
		i = i + 1
		return report.sections[i]
	end
end

-- for row, i in hp.rows(section) do ... end
function M.rows(section)
	if type(section) ~= "table" or type(section.rows) ~= "table" then
		-- a clear message at the caller's line, not deep in here
		local what = type(section) ~= "table" and type(section)
			or (type(section.sections) == "table" and "a report")
			or "a table without rows"
		error("hp.rows: expected a section (hp.section(report, \"functions\") or an "
			.. "element of report.sections), got " .. what, 2)
	end
	local i = 0
	return function()
		i = i + 1
		local row = section.rows[i]
		if row ~= nil then
			return row, i
		end
	end
end

-- The text of a row's cell in the column with this key, as the table shows it.
function M.cell(section, row, key)
	local col = M.column(section, key)
	return M.format(row[key], col and col.unit)
end

-- The columns the table shows: those that meta "table.columns" names, in
-- its order, else all of them.
function M.columns(section)
	local spec, cols = section.meta and section.meta["table.columns"], {}
	for item in ((spec or "") .. ","):gmatch("([^,]*),") do
		local key = item:match("^ *(.-) *$")
		local col = #key < 256 and M.column(section, key)
		if col then
			cols[#cols + 1] = col
		end
	end
	if #cols == 0 then
		for i, col in ipairs(section.columns) do
			cols[i] = col
		end
	end
	return cols
end

-- ---- the table report -------------------------------------------------------

-- A section as the table report's box.  opts.columns (a list of keys)
-- picks the columns; opts.note = false leaves out the "(2 of 3 rows...)" line.
function M.table(section, opts)
	opts = opts or {}
	local cols, head, texts, out = {}, {}, {}, {}
	if opts.columns then
		for _, key in ipairs(opts.columns) do
			cols[#cols + 1] = M.column(section, key)
		end
	else
		cols = M.columns(section)
	end
	if #cols == 0 then
		return ""
	end
	for i, col in ipairs(cols) do
		head[i] = core.term(col.title)
	end
	texts[1] = head
	for r, row in ipairs(section.rows) do
		local t = {}
		for i, col in ipairs(cols) do
			t[i] = core.term(M.format(row[col.key], col.unit))
		end
		texts[r + 1] = t
	end
	-- the box as the table report draws it (core/box.c)
	out[1] = core.box(texts, #cols)
	local shown = #texts - 1
	local total = section.total_rows or shown
	if shown < total and opts.note ~= false then
		out[#out + 1] = format("(%d of %d rows; %s: 0 shows all)\n", shown, total,
			section.meta and section.meta["report.limit.key"] or "report.limit")
	end
	return concat(out)
end

-- A markdown table: rows[1] the header, then the rows, each a list of
-- cells written as they are (escape them first); right[i] true right-aligns
-- column i.  The library's writer (core/box.c), as hotpath compare's.
function M.md_table(rows, right)
	return core.md_table(rows, rows[1] and #rows[1] or 0, right or {})
end

-- Markdown text: s with every punctuation character markdown could read
-- as syntax backslash-escaped, controls shown as \x0a (for titles).  The
-- escaper hotpath compare uses (core/box.c).
function M.md_text(s)
	return core.md_text(tostring(s))
end

-- A markdown code span of s, whatever it holds (for values taken from a
-- report, docs/ci.md); cell: | escaped for a table cell.  As compare's.
function M.md_code(s, cell)
	return core.md_code(tostring(s), cell or false)
end

-- The whole table report: the summary line, each section, the drop count.
function M.render(report)
	local elapsed = report.elapsed_ns
	if mtype(elapsed) ~= "integer" then
		elapsed = tointeger(tonumber(tostring(elapsed or ""):match("^%s*([-+]?%d+)"))) or 0
	end
	local out = { format("[hotpath] Performance summary from %s (Total time: %s):\n",
		core.term(tostring(report.caller or report.program or "unknown")), M.ns(elapsed)) }
	for i, sec in ipairs(report.sections) do
		-- meta "table.hide": for JSON readers (the call tree's stacks)
		if not (sec.meta and sec.meta["table.hide"]) then
			if i > 1 then
				out[#out + 1] = format("\n%s:\n", core.term(tostring(sec.title)))
			end
			out[#out + 1] = M.table(sec)
		end
	end
	if report.dropped ~= nil and tostring(report.dropped) ~= "0" then
		out[#out + 1] = format("[hotpath] %s events dropped: per-thread buffers were full; "
			.. "counts above are low by that much\n", tostring(report.dropped))
	end
	return concat(out)
end

-- ---- JSON -------------------------------------------------------------------

-- Sort order for keys of mixed types.
local function before(a, b)
	local ta, tb = type(a), type(b)
	if ta ~= tb then
		return ta < tb
	elseif ta == "number" or ta == "string" then
		return a < b
	end
	return tostring(a) < tostring(b)
end

-- Keys of t to write: the report's order (a key listed among the first
-- `nulls` is kept even when absent, for a null), then the others sorted.
local function json_keys(t, all)
	local list, seen, keys, extra = order[t], {}, {}, {}
	if list then
		for i, k in ipairs(list) do
			seen[k] = true
			if t[k] ~= nil or (all and i <= (list.nulls or 0)) then
				keys[#keys + 1] = k
			end
		end
	end
	for k in pairs(t) do
		if not seen[k] then
			extra[#extra + 1] = k
		end
	end
	sort(extra, before)
	for _, k in ipairs(extra) do
		keys[#keys + 1] = k
	end
	return keys
end

-- The keys of a table: for a part of the report in the JSON report's
-- order, then any others sorted.
function M.keys(t)
	return json_keys(t, false)
end

-- True for a sequence 1..n (and for an empty table).
local function is_array(t)
	local n, count = #t, 0
	for k in pairs(t) do
		if mtype(k) ~= "integer" or k < 1 or k > n then
			return false
		end
		count = count + 1
	end
	return count == n
end

-- A number as the JSON report writes a cell: integers as they are, others
-- with up to 4 decimals; null when not finite.
function M.number(v)
	if mtype(v) == "integer" then
		return format("%d", v)
	end
	return core.json_real(v) or "null"
end

-- The shortest text that reads back as d (the report's percentiles: 99.9).
local function shortest(d)
	if mtype(d) == "integer" then
		return format("%d", d)
	elseif d ~= d or d == math.huge or d == -math.huge then
		return "null"
	elseif d == floor(d) and math.abs(d) < 1e15 then
		return format("%.0f", d == 0 and 0.0 or d)
	end
	for prec = 1, 16 do
		local s = format("%." .. prec .. "g", d)
		if tonumber(s) == d then
			return s
		end
	end
	return format("%.17g", d)
end

local encode

-- Appends the items of a table: an object when keys is given, else an array.
local function encode_items(out, v, keys, pretty, indent, depth, key)
	local n = keys and #keys or #v
	local open, close = keys and "{" or "[", keys and "}" or "]"
	if n == 0 then
		out[#out + 1] = open .. close
		return
	end
	out[#out + 1] = open
	for i = 1, n do
		if i > 1 then
			out[#out + 1] = ","
		end
		if pretty then
			out[#out + 1] = "\n" .. indent .. "  "
		end
		local k, val = key, v[i]
		if keys then
			k = keys[i]
			val = v[k]
			out[#out + 1] = core.json_string(tostring(k)) .. (pretty and ": " or ":")
		end
		encode(out, val, pretty, indent .. "  ", depth + 1, k)
	end
	if pretty then
		out[#out + 1] = "\n" .. indent
	end
	out[#out + 1] = close
end

-- Appends the JSON text of v; key is the object key it is under.
encode = function(out, v, pretty, indent, depth, key)
	local t = type(v)
	if t == "string" then
		out[#out + 1] = core.json_string(v)
	elseif t == "number" then
		out[#out + 1] = key == "percentiles" and shortest(v) or M.number(v)
	elseif t == "boolean" then
		out[#out + 1] = tostring(v)
	elseif t == "nil" then
		out[#out + 1] = "null"
	elseif t ~= "table" then
		error(format("hotpath.json: cannot write a %s value", t), 0)
	elseif depth >= 100 then
		error("hotpath.json: nested deeper than 100 levels (a cycle?)", 0)
	elseif order[v] or not is_array(v) then
		encode_items(out, v, json_keys(v, true), pretty, indent, depth, key)
	else
		encode_items(out, v, nil, pretty, indent, depth, key)
	end
end

-- JSON text of a value, without a final newline.  The report table (or any
-- part of it) comes out as the JSON report writes it, in compact form or
-- with opts.pretty as json-pretty; other tables are arrays when they are
-- sequences (an empty table is []), else objects with sorted keys.
function M.json(value, opts)
	local out = {}
	encode(out, value, opts and opts.pretty, "", 0, nil)
	return concat(out)
end

-- The value of a JSON text, or nil and why.
M.json_decode = core.json_decode

-- ---- options and files ------------------------------------------------------

local scale = { ns = 1, us = 1e3, ["\u{b5}s"] = 1e3, ms = 1e6, s = 1e9 }

-- Nanoseconds of a duration: a number (ns), or a string such as "250ns",
-- "500us", "500µs", "2ms", "1.5s" (no unit: ns).  nil and why when bad.
function M.parse_duration(v)
	if type(v) == "number" then
		return mtype(v) == "integer" and v or floor(v + 0.5)
	end
	local num, unit = tostring(v):match("^%s*(%d*%.?%d+)%s*(%S*)%s*$")
	local n, k = tonumber(num or ""), scale[unit ~= "" and unit or "ns"]
	if n == nil or k == nil then
		return nil, format("bad duration %q (use e.g. 500us, 2ms, 1.5s)", tostring(v))
	end
	return floor(n * k + 0.5)
end

-- Writes text to a file (mode "w" unless given): true, or nil and why.
function M.write_file(path, text, mode)
	local f, err = io.open(path, mode or "w")
	if not f then
		return nil, "cannot write " .. err
	end
	local ok, werr = f:write(text)
	local closed, cerr = f:close()
	if not ok or not closed then
		return nil, format("cannot write %s: %s", path, werr or cerr)
	end
	return true
end

return M
