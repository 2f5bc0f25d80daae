-- SPDX-License-Identifier: MIT
-- json_file.lua - writes the report to a file as JSON: byte for byte what
-- report.format json (or json-pretty) writes.
--
-- options:  path = "hotpath-report.json"
--           pretty = false     true: indented, as json-pretty
local hp = require "hotpath"

return function(report, options)
	local text = hp.json(report, { pretty = options.pretty == true }) .. "\n"
	return hp.write_file(options.path or "hotpath-report.json", text)
end
