-- wrk script: POST ~1 KB JSON error reports (the P2 body shape). 1 in 10 carries a fresh exception type (a new
-- fingerprint), the rest cycle through 100 types (duplicates).
-- Environment: BENCH_PATH (default /api/errors), BENCH_KEY (sent as X-API-Key when set),
--              BENCH_DELAY_MS (per-request delay per connection, to run below the peak rate; default 0).
local path = os.getenv("BENCH_PATH") or "/api/errors"
local key = os.getenv("BENCH_KEY") or ""
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local headers = {["Content-Type"] = "application/json"}
if key ~= "" then
  headers["X-API-Key"] = key
end
local frames = {}
for i = 1, 6 do
  frames[#frames + 1] = string.format('  File \\"/srv/app/service/module%d.py\\", line %d, in handler_%d\\n    result = process(payload, options)\\n', i, 40 + i * 7, i)
end
local stack = table.concat(frames)
local n = 0
local next_tid = 0

-- tid becomes a global of each thread's own Lua state
function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

function request()
  n = n + 1
  local etype
  if n % 10 == 0 then
    etype = string.format("Fresh%d_%d_%d", tid or 0, n, math.random(1, 1000000000))
  else
    etype = string.format("Error%d", n % 100)
  end
  local body = string.format('{"project":"bench","environment":"production","exception_type":"%s","message":"request %d failed: upstream returned an unexpected answer","traceback":"Traceback (most recent call last):\\n%s%s: failed\\n","request_url":"https://shop.example.com/api/orders/%d","request_method":"POST","user_id":"user-%d","extra":{"release":"1.4.2","host":"web-1"}}',
    etype, n, stack, etype, n % 1000, n % 500)
  return wrk.format("POST", path, headers, body)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end
