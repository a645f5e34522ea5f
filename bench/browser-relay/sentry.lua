-- POST br-compressed Sentry envelopes (one error event, 20-frame Python stack) to /api/<n>/envelope/.
-- The bodies are made by run.py (wrk's Lua cannot compress): SENTRY_BODIES names a directory of 0.br … N-1.br,
-- SENTRY_BODY_COUNT says N, SENTRY_THREADS the number of wrk threads (default 2).
local dir = os.getenv("SENTRY_BODIES") or "."
local n = tonumber(os.getenv("SENTRY_BODY_COUNT") or "1")
local path = os.getenv("SENTRY_PATH") or "/api/1/envelope/"
local key = os.getenv("SENTRY_KEY") or ""
local threads = tonumber(os.getenv("SENTRY_THREADS") or "2")
local bodies = {}
local counter = 0
local next_tid = 0

-- Each wrk thread sends its own share of the bodies (body i goes to thread i % threads): every event_id is sent
-- once until the bodies run out, so the tracker's event_id deduplication does not skip any of them.
function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

function init(args)
  for i = 0, n - 1 do
    local f = assert(io.open(dir .. "/" .. i .. ".br", "rb"))
    bodies[i + 1] = f:read("*a")
    f:close()
  end
end

function request()
  local body = bodies[((counter * threads + (tid or 1) - 1) % n) + 1]
  counter = counter + 1
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-sentry-envelope",
    ["Content-Encoding"] = "br",
    ["X-Sentry-Auth"] = "Sentry sentry_key=" .. key .. ", sentry_version=7, sentry_client=sentry.python/2.0.0",
  }, body)
end
