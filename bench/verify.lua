-- wrk script for bench/verify.py: each request presents the next pass of the list, as a checkpoint
-- phone does, with the signed-in staff's session cookie and either
--   MODE json: Accept: application/json (a verifier app), or
--   MODE htmx: the headers the phone page's htmx sends (HX-Request, HX-Target, HX-Current-URL and the
--              browser's Accept: */*), answered with the result box.
--   wrk -s bench/verify.lua http://127.0.0.1:PORT -- TOKENS_FILE COOKIE PATH_PREFIX MODE
-- Each wrk thread starts at its own place in the list, so the threads do not present the same pass.

local tokens = {}
local position = 0
local cookie = ""
local prefix = "/passes/verify/"
local thread_number = 0
local headers = {}

function setup(thread)
  thread:set("number", thread_number)
  thread_number = thread_number + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  file:close()
  cookie = args[2]
  prefix = args[3] or prefix
  if (args[4] or "json") == "htmx" then
    headers = {["Accept"] = "*/*", ["HX-Request"] = "true", ["HX-Target"] = "check-result",
               ["HX-Current-URL"] = "http://127.0.0.1/passes/check/", ["Cookie"] = cookie}
  else
    headers = {["Accept"] = "application/json", ["Cookie"] = cookie}
  end
  position = ((number or 0) * 997) % #tokens
end

function request()
  position = position % #tokens + 1
  return wrk.format("GET", prefix .. tokens[position], headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
