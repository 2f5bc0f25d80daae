-- SPDX-License-Identifier: MIT
-- top_alloc.lua - a `hotpath console` panel: the functions that allocate
-- the most bytes, as a table (rows and columns, docs/console.md).
--
-- It reads the alloc_bytes section, which a program has when it runs with
-- allocation tracking (`hotpath run --alloc -- PROG`, docs/alloc.md), and
-- keeps the 20 functions with the most bytes allocated.

local TOP = 20

local M = { title = "Top allocators" }

function M.update(snap, ui)
  local s = snap.sections.alloc_bytes
  if not s then
    -- program is "" until the program's hello came
    local prog = (snap.program ~= nil and snap.program ~= "") and snap.program or "this program"
    ui.text(1, 1, "No allocation data from " .. prog .. ".")
    ui.text(1, 2, "Run it as `hotpath run --alloc -- PROG` to track allocations (docs/alloc.md).")
    return
  end
  local rows = {}
  for _, r in ipairs(s.rows) do
    rows[#rows + 1] = r
  end
  table.sort(rows, function(a, b)
    if (a.total or 0) ~= (b.total or 0) then
      return (a.total or 0) > (b.total or 0)
    end
    return a.name < b.name
  end)
  local out = {}
  for i = 1, math.min(#rows, TOP) do
    local r = rows[i]
    out[i] = {
      name = r.name, total = r.total, live = r.live, calls = r.calls,
      per_call = r.calls and r.calls > 0 and (r.total or 0) // r.calls or nil,
      share = r.percent_total,
    }
  end
  return {
    title = "Top allocators",
    columns = {
      { key = "name", title = "Function", unit = "text" },
      { key = "total", title = "Allocated", unit = "bytes" },
      { key = "live", title = "Live", unit = "bytes" },
      { key = "calls", title = "Calls", unit = "count" },
      { key = "per_call", title = "Per call", unit = "bytes" },
      { key = "share", title = "% of all", unit = "percent" },
    },
    rows = out,
  }
end

return M
