-- POST ~1 KB error reports: 1 in 10 has a fresh exception type (new group), the rest repeat 100 types.
local counter = 0
local thread_id = 0
local pad = string.rep("x", 700)
local delay_ms = tonumber(os.getenv("ET_DELAY_MS") or "0")
local key = os.getenv("ET_KEY") or ""

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local etype
  if counter % 10 == 0 then
    etype = string.format("New%d_%d_%d", tid or 0, counter, math.random(1, 1000000000))
  else
    etype = string.format("Err%d", counter % 100)
  end
  local body = string.format('{"project":"bench","environment":"prod","exception_type":"%s","message":"bench message %d","traceback":"Traceback (most recent call last):\\n  File \\"/app/bench.py\\", line %d, in run\\n    %s\\nValueError: bench","request_url":"/bench","request_method":"POST","user_id":"u%d","extra":{"k":"v"}}', etype, counter, counter % 7, pad, counter)
  return wrk.format("POST", "/api/errors", {["Content-Type"] = "application/json", ["X-API-Key"] = key}, body)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end
