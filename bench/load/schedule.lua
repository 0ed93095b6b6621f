-- wrk script of the load benchmark (bench/load.py): replays prepared requests at a set rate.
--
-- The requests are prepared beforehand (tokens, case ids, bodies), one per line of the file
-- named by the WRK_REQUESTS environment variable: METHOD \t PATH \t AUTHORIZATION \t BODY.
-- Thread i of n sends lines i, i+n, i+2n, ... so a one-off command (a decision) is sent once.
-- WRK_DELAY_MS is each connection's mean pause before its next request: connections / rate.
-- The pause is uniform in [0.5, 1.5] x mean so that the connections do not fall into step.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local path = os.getenv("WRK_REQUESTS")
  local stride = tonumber(os.getenv("WRK_THREADS") or "1")
  mean_delay = tonumber(os.getenv("WRK_DELAY_MS") or "0")
  requests = {}
  local n = 0
  for line in io.lines(path) do
    if n % stride == id then
      local method, target, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json" }
      if auth ~= "" then headers["Authorization"] = auth end
      if body == "" then body = nil end
      table.insert(requests, wrk.format(method, target, headers, body))
    end
    n = n + 1
  end
  next_request = 0
  math.randomseed(id * 7919 + 17)
  non_2xx = 0
end

function delay()
  return math.floor((0.5 + math.random()) * mean_delay)
end

function request()
  -- Past the prepared lines the thread repeats its last ones; the bench sizes the file so
  -- that this does not happen within a step's duration at the offered rate.
  next_request = next_request + 1
  if next_request > #requests then next_request = 1 end
  return requests[next_request]
end

function response(status, headers, body)
  if status < 200 or status > 299 then non_2xx = non_2xx + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + (tonumber(thread:get("non_2xx")) or 0) end
  io.write(string.format(
    "BENCH {\"requests\": %d, \"duration_us\": %d, \"non_2xx\": %d, \"errors\": %d, " ..
    "\"p50_us\": %d, \"p90_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, failed,
    summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.status + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
