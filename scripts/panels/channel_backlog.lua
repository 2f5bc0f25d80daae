-- SPDX-License-Identifier: MIT
-- channel_backlog.lua - a `hotpath console` panel: each channel's backlog
-- (messages queued) over time as a sparkline, and how full it is now as a
-- bar (drawn with the ui API, docs/console.md).
--
-- The panel's Lua state lives as long as the console, so the history
-- below grows with every snapshot: the last KEEP values per channel.

local KEEP = 240
local history = {}   -- channel name -> queued counts, oldest first

local M = { title = "Channel backlog" }

-- s cut or padded to w characters (UTF-8 aware).
local function fit(s, w)
  local n = utf8.len(s) or #s
  if n > w then
    local cut = utf8.offset(s, w) or w
    return s:sub(1, cut - 1) .. "…"
  end
  return s .. string.rep(" ", w - n)
end

function M.update(snap, ui)
  local s = snap.sections.channels
  if not s or #s.rows == 0 then
    -- program is "" until the program's hello came
    local prog = (snap.program ~= nil and snap.program ~= "") and snap.program or "this program"
    ui.text(1, 1, "No channels in " .. prog .. " yet (docs/channels.md).")
    return
  end
  local namew = 8
  for _, r in ipairs(s.rows) do
    namew = math.max(namew, utf8.len(r.name) or #r.name)
  end
  namew = math.min(namew, 28)
  local sparkw = math.max(8, ui.width - namew - 40)
  ui.text(1, 1, fit("Channel", namew) .. "  " .. fit("Queued over time", sparkw) ..
    "  Queued  Fill")
  local y = 2
  for _, r in ipairs(s.rows) do
    local h = history[r.name]
    if not h then
      h = {}
      history[r.name] = h
    end
    h[#h + 1] = r.queued or 0
    if #h > KEEP then
      table.remove(h, 1)
    end
    if y <= ui.height then
      ui.text(1, y, fit(r.name, namew))
      ui.sparkline(namew + 3, y, sparkw, h)
      ui.text(namew + sparkw + 5, y, string.format("%6d", r.queued or 0))
      local x = namew + sparkw + 13
      if r.capacity and r.capacity > 0 then
        ui.bar(x, y, 12, (r.queued or 0) / r.capacity,
          string.format("%d/%d", r.queued or 0, r.capacity))
      else
        ui.text(x, y, "unbounded")
      end
      y = y + 1
    end
  end
end

return M
