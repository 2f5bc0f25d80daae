-- SPDX-License-Identifier: MIT
-- csv.lua - one CSV file per section of the report: <dir>/<section id>.csv.
--
-- The first line names the columns by key; then one line per row with raw
-- values as in the JSON report (integer nanoseconds and bytes, percent and
-- rate with up to 4 decimals); an empty cell is an empty field.  A field is
-- quoted as RFC 4180 says when it holds a comma, a quote or a line break,
-- or starts or ends with a space.  Lines end with "\n".  Row logs (a
-- function's recent calls) are not written.
--
-- options:  dir = "."    the folder for the files (it must exist)
local hp = require "hotpath"

-- One field: numbers as in the JSON report, text quoted when it must be.
local function field(v)
	if v == nil then
		return ""
	elseif type(v) == "number" then
		return hp.number(v)
	end
	v = tostring(v)
	if v:find('[,"\r\n]') or v:find("^%s") or v:find("%s$") then
		return '"' .. v:gsub('"', '""') .. '"'
	end
	return v
end

return function(report, options)
	local dir = options.dir or "."
	for sec in hp.sections(report) do
		local keys, lines = {}, {}
		for i, col in ipairs(sec.columns) do
			keys[i] = field(col.key)
		end
		lines[1] = table.concat(keys, ",")
		for row in hp.rows(sec) do
			local cells = {}
			for i, col in ipairs(sec.columns) do
				cells[i] = field(row[col.key])
			end
			lines[#lines + 1] = table.concat(cells, ",")
		end
		local name = sec.id:gsub("[^%w._-]", "_")
		local ok, err = hp.write_file(dir .. "/" .. name .. ".csv",
			table.concat(lines, "\n") .. "\n")
		if not ok then
			return false, err
		end
	end
end
