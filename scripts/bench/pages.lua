-- wrk script for scenario (k) of scripts/bench.sh: page views as real traffic
-- makes them — every request a different (user, room) pair of 100 logged-in
-- users and 10 rooms. Reads PAGES_COOKIES (a file of one session cookie a line),
-- PAGES_ROOMS (space-separated room names), PAGES_KIND (room | lobby | history)
-- and PAGES_ENCODING (an Accept-Encoding value, or empty for none).
local cookies = {}
for line in io.lines(os.getenv("PAGES_COOKIES")) do
  if #line > 0 then cookies[#cookies + 1] = line end
end
local rooms = {}
for room in string.gmatch(os.getenv("PAGES_ROOMS") or "", "%S+") do
  rooms[#rooms + 1] = room
end
local kind = os.getenv("PAGES_KIND") or "room"
local encoding = os.getenv("PAGES_ENCODING") or ""
local counter = 0

function init(args)
  -- Threads start at different places, so they do not ask for the same pairs.
  counter = math.random(0, #cookies * #rooms)
end

function request()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  local room = rooms[(math.floor(counter / #cookies) % #rooms) + 1]
  local path
  if kind == "lobby" then
    path = "/"
  elseif kind == "history" then
    path = "/api/messages/" .. room .. "/"
  else
    path = "/room/" .. room .. "/"
  end
  local headers = { ["Cookie"] = cookie }
  if #encoding > 0 then headers["Accept-Encoding"] = encoding end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("pages.lua: status " .. status .. "\n")
  end
end
