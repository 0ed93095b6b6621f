-- wrk script of the load benchmark (bench/load.py): replays prepared requests at a set rate.
--
-- The requests are prepared beforehand (tokens, case ids, bodies), one per line of the file
-- named by the WRK_REQUESTS environment variable: METHOD \t PATH \t AUTHORIZATION \t BODY.
-- Thread i of n sends lines i, i+n, i+2n, ... so a one-off command (a decision) is sent once.
--
-- Arrivals are open-loop: each thread keeps a schedule of send times at its share of the rate
-- (WRK_INTERVAL_MS apart on average, uniform in [0.5, 1.5] x that so that nothing falls into
-- step), and a connection that becomes free takes the next slot, waiting until it is due. A
-- slow answer then does not lower the offered rate as long as a connection is free; when none
-- is (the target saturated), the slots fall behind and are sent at once, and the achieved rate
-- shows it. wrk has no clock in its Lua API, so the time comes from clock_gettime via LuaJIT's
-- FFI (Debian's wrk is built on LuaJIT).

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } asysta_timespec;
int clock_gettime(int clk_id, asysta_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("asysta_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

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
  interval = tonumber(os.getenv("WRK_INTERVAL_MS") or "0")
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
  -- The threads start out of phase with one another.
  next_slot = now_ms() + math.random() * interval
  non_2xx = 0
end

function delay()
  local slot = next_slot
  next_slot = next_slot + (0.5 + math.random()) * interval
  local wait = slot - now_ms()
  if wait < 0 then return 0 end
  return math.floor(wait)
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
