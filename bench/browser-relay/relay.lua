-- POST ~1 KB browser errors with a 4-frame minified stack that the uploaded source map rewrites.
-- 1 in 10 has a fresh error type (new group), the rest repeat 100 types.
local counter = 0
local thread_id = 0
local key = os.getenv("BR_KEY") or ""
local pad = string.rep("y", 500)

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
  local line = 1 + (counter % 50)
  local stack = string.format("%s: bench %s\\n    at a (https://shop.example.com/static/app.min.js:%d:%d)\\n    at b (https://shop.example.com/static/app.min.js:%d:%d)\\n    at https://shop.example.com/static/app.min.js:%d:%d\\n    at HTMLButtonElement.c (https://shop.example.com/static/app.min.js:%d:%d)",
    etype, pad, line, 15 + counter % 300, line + 1, 40, line + 2, 7, line + 3, 120)
  local body = string.format('{"type":"%s","message":"bench message %d","stack":"%s","release":"1.0.0","url":"https://shop.example.com/cart","session_id":"s%d","user_agent":"wrk"}', etype, counter, stack, counter % 50)
  return wrk.format("POST", "/api/browser/errors", {["Content-Type"] = "text/plain", ["X-Monlight-Key"] = key}, body)
end
