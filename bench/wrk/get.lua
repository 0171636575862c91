-- wrk script for the GET figures, as a cross-check of the harness (Debian: apt-get install wrk).
-- wrk is closed-loop and measures from the actual send (coordinated omission), so its latencies are not
-- comparable with the harness's fixed-rate p99; use it for throughput, or use wrk2 (-R) for a fixed rate.
--   Baseline:  wrk -t2 -c32 -d10s -s bench/wrk/get.lua http://127.0.0.1:5180/health/live
--   Home feed: TOKENS=tokens.txt wrk -t2 -c32 -d10s -s bench/wrk/get.lua 'http://127.0.0.1:5180/api/v1/feeds/home?limit=20'
-- TOKENS: a file with one bearer token per line (seeded users; e.g. from POST /api/v1/sessions with the seed password).
local tokens = {}
local path = os.getenv("TOKENS")
if path then
  for line in io.lines(path) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
end

local counter = 0
request = function()
  counter = counter + 1
  if #tokens == 0 then
    return wrk.format("GET")
  end
  local token = tokens[(counter % #tokens) + 1]
  return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
end
