-- POST batches of 1000 metric points (read from MC_BODY) over keep-alive connections.
local key = os.getenv("MC_KEY") or ""
local f = assert(io.open(os.getenv("MC_BODY"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.path = "/api/metrics"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key
