-- SPDX-License-Identifier: MIT
-- log.lua - one logfmt line per row, for log pipelines (Loki, Vector,
-- Splunk, ...): msg=hotpath, any extra fields, the caller, the section's
-- id, then each cell of the row with its raw value as in the JSON report
-- (integer nanoseconds and bytes, percent and rate with up to 4 decimals).
-- Empty cells are left out.
--
--   msg=hotpath caller=basic::main section=functions name=basic::busy_function calls=100 ...
--
-- options:  path = "stderr"   "stderr", "stdout", or a file (appended to);
--                             never the program's stdout unless asked
--           fields = {}       extra key=value pairs, after msg, sorted by key
local hp = require "hotpath"

-- A key: anything but letters, digits and _.:- becomes "_".
local function key(k)
	return (tostring(k):gsub("[^%w_.:-]", "_"))
end

-- A value, quoted (with \" \\ \n \r \t escapes) when it is empty or holds
-- a space, '=', a quote, a backslash or a control character.
local function value(v)
	if type(v) == "number" then
		return hp.number(v)
	end
	v = tostring(v)
	if v ~= "" and not v:find('[%s="\\\0-\31\127]') then
		return v
	end
	v = v:gsub('[\\"]', "\\%0"):gsub("\n", "\\n"):gsub("\r", "\\r"):gsub("\t", "\\t")
	v = v:gsub("[\0-\31\127]", function(c)
		return string.format("\\u%04x", c:byte())
	end)
	return '"' .. v .. '"'
end

return function(report, options)
	local fields, head, lines = options.fields or {}, { "msg=hotpath" }, {}
	for _, k in ipairs(hp.keys(fields)) do
		head[#head + 1] = key(k) .. "=" .. value(fields[k])
	end
	head[#head + 1] = "caller=" .. value(report.caller or report.program or "unknown")
	head = table.concat(head, " ")
	for sec in hp.sections(report) do
		for row in hp.rows(sec) do
			local line = { head, "section=" .. value(sec.id) }
			for _, col in ipairs(sec.columns) do
				if row[col.key] ~= nil then
					line[#line + 1] = key(col.key) .. "=" .. value(row[col.key])
				end
			end
			lines[#lines + 1] = table.concat(line, " ") .. "\n"
		end
	end
	local path, text = options.path or "stderr", table.concat(lines)
	if path == "stderr" or path == "stdout" then
		io[path]:write(text)
		io[path]:flush()
		return
	end
	return hp.write_file(path, text, "a")
end
