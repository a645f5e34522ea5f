-- POST br-compressed Sentry envelopes (one error event, 20-frame Python stack) to /api/<n>/envelope/.
-- The bodies are made by run.py (wrk's Lua cannot compress): SENTRY_BODIES names a directory of 0.br … N-1.br.
local dir = os.getenv("SENTRY_BODIES") or "."
local n = tonumber(os.getenv("SENTRY_BODY_COUNT") or "1")
local path = os.getenv("SENTRY_PATH") or "/api/1/envelope/"
local key = os.getenv("SENTRY_KEY") or ""
local bodies = {}
local counter = 0

function init(args)
  for i = 0, n - 1 do
    local f = assert(io.open(dir .. "/" .. i .. ".br", "rb"))
    bodies[i + 1] = f:read("*a")
    f:close()
  end
end

function request()
  counter = counter + 1
  local body = bodies[(counter % n) + 1]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-sentry-envelope",
    ["Content-Encoding"] = "br",
    ["X-Sentry-Auth"] = "Sentry sentry_key=" .. key .. ", sentry_version=7, sentry_client=sentry.python/2.0.0",
  }, body)
end
