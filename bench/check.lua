-- wrk script for GET /api/v1/check: cycles through the probe addresses written by gen-decisions.py.
--
--   wrk -t2 -c64 -d20s -s bench/check.lua http://127.0.0.1:18080 -- <probes.tsv> [api-key]
--
-- The probe file and the key may also come from the environment: PROBES (path of probes.tsv) and
-- BANLIST_KEY (the X-Api-Key value); arguments after "--" win. Each line of the probe file is
-- "<ip>[<tab><expected>]"; only the address is used here. Every thread starts at a different offset so that
-- threads do not ask for the same address in lockstep.
--
-- With CHECK_PATH set (default "/api/v1/check?ip="), the address is appended to that path instead: the same
-- script and probes measure Banlist's and CrowdSec's "/v1/decisions?ip=" alike.
--
-- With CHECK_DELAY_MS set in the environment, every connection pauses that many milliseconds before each request
-- (wrk's delay()), so the load is at most connections * 1000 / CHECK_DELAY_MS requests/s instead of as many as
-- the machine can serve (bench/import.sh uses it for a paced check load during an import).
--
-- done() prints the latency percentiles and one machine-readable line for bench/run.sh:
--   BENCH rps=<requests/s> p50_ms=.. p90_ms=.. p99_ms=.. requests=.. non2xx=.. socket_errors=..

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local requests = {}
local index = 1

-- wrk looks for delay() when it loads the script, before init(): it has to be defined at the top level.
local pause_ms = tonumber(os.getenv("CHECK_DELAY_MS") or "")
if pause_ms and pause_ms > 0 then
  function delay()
    return pause_ms
  end
end

local function urlencode(s)
  return (s:gsub("[^%w%.%-_~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  local path = args[1] or os.getenv("PROBES")
  local key = args[2] or os.getenv("BANLIST_KEY")
  if not path or path == "" then
    error("check.lua: no probe file: pass it after -- or set PROBES")
  end
  if not key or key == "" then
    error("check.lua: no API key: pass it after the probe file or set BANLIST_KEY")
  end
  local file = io.open(path, "r")
  if not file then
    error("check.lua: cannot open probe file " .. path)
  end
  local headers = { ["X-Api-Key"] = key, ["Accept"] = "application/json" }
  -- CHECK_PATH points the same probes at another lookup, e.g. CrowdSec's "/v1/decisions?ip=".
  local check_path = os.getenv("CHECK_PATH") or "/api/v1/check?ip="
  for line in file:lines() do
    local ip = line:match("^%s*([^%s]+)")
    if ip and ip:sub(1, 1) ~= "#" then
      -- Pre-formatted once: request() only picks the next one.
      table.insert(requests, wrk.format("GET", check_path .. urlencode(ip), headers))
    end
  end
  file:close()
  if #requests == 0 then
    error("check.lua: probe file " .. path .. " has no addresses")
  end
  -- Spread the threads' starting points over the probe list.
  index = ((id or 0) * 7919) % #requests + 1
end

function request()
  local r = requests[index]
  index = index + 1
  if index > #requests then
    index = 1
  end
  return r
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local rps = summary.requests / seconds
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local function ms(p) return latency:percentile(p) / 1000.0 end
  io.write(string.format("Latency percentiles: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    ms(50), ms(90), ms(99), latency.max / 1000.0))
  io.write(string.format("Requests: %d in %.2f s = %.1f/s; non-2xx %d; socket errors %d "
    .. "(connect %d, read %d, write %d, timeout %d)\n",
    summary.requests, seconds, rps, e.status, socket_errors, e.connect, e.read, e.write, e.timeout))
  io.write(string.format("BENCH rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
    rps, ms(50), ms(90), ms(99), summary.requests, e.status, socket_errors))
end
