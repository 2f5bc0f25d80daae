-- SPDX-License-Identifier: MIT
-- budget.lua - a performance check for CI: fails when a function's chosen
-- percentile is over its budget.  On success it prints one line; on
-- failure it returns false and a message, which a profiled program shows as
-- [hotpath] lines (its exit status stays its own) and `hotpath report`
-- turns into exit status 1.
--
-- options:  budgets = { ["basic::sync_function"] = "2ms", custom_block = "50us" }
--             each a duration: "250ns", "500us" (or µs), "2ms", "1.5s", or ns
--           percentile = "p99"    any ns column: "p95", 99.9 (-> "p99.9"),
--                                 "avg", "max"; default: the report's last
--                                 percentile
--           section = "functions"
--           quiet = false         true: print nothing on success
local hp = require "hotpath"

-- The column options.percentile names: "p99", 99 -> "p99", "avg", ...
local function metric(report, options)
	local p = options.percentile
	if p == nil then
		p = report.percentiles[#report.percentiles]
		if p == nil then
			return nil
		end
	end
	if type(p) == "number" then
		return string.format("p%g", p)
	end
	p = tostring(p)
	return p:match("^%d") and "p" .. p or p
end

-- The section's rows by name (its first text column).
local function by_name(sec)
	local rows, key = {}, nil
	for _, col in ipairs(sec.columns) do
		if col.unit == "text" then
			key = col.key
			break
		end
	end
	for row in hp.rows(sec) do
		if key and row[key] ~= nil then
			rows[row[key]] = row
		end
	end
	return rows
end

-- Checks each budget; nil when all are met, else the lines of the failures.
local function check(sec, key, budgets)
	local rows, lines = by_name(sec), {}
	for _, name in ipairs(hp.keys(budgets)) do
		local limit, err = hp.parse_duration(budgets[name])
		local row = rows[name]
		if limit == nil then
			lines[#lines + 1] = string.format("%s: %s", name, err)
		elseif row == nil then
			lines[#lines + 1] = string.format("%s: not in the report (not called, or left "
				.. "out by report.limit)", name)
		elseif row[key] == nil then
			lines[#lines + 1] = string.format("%s: no %s value", name, key)
		elseif row[key] > limit then
			lines[#lines + 1] = string.format("%s: %s %s is over its budget of %s", name,
				key, hp.ns(row[key]), hp.ns(limit))
		end
	end
	return #lines > 0 and lines or nil
end

return function(report, options)
	local budgets, key = options.budgets, metric(report, options)
	local sec = hp.section(report, options.section or "functions")
	if type(budgets) ~= "table" or next(budgets) == nil then
		return false, "no budgets given (options.budgets)"
	elseif key == nil then
		return false, "no percentile in the report; set options.percentile"
	elseif sec == nil then
		return false, string.format("the report has no %s section", options.section or "functions")
	elseif hp.column(sec, key) == nil then
		return false, string.format("the %s section has no %s column (report.percentiles "
			.. "decides the p<N> columns)", sec.id, key)
	end
	local n, lines = #hp.keys(budgets), check(sec, key, budgets)
	if lines then
		return false, string.format("%d of %d budgets failed (%s)\n%s", #lines, n, key,
			table.concat(lines, "\n"))
	end
	if not options.quiet then
		print(string.format("budget: all %d budgets met (%s)", n, key))
	end
end
