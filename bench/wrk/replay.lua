-- Replay pre-built raw HTTP requests written by bench/bench_federation.py.
--
-- wrk -t T -c C -d D -s replay.lua URL -- PREFIX MODE
--   PREFIX.<n> holds thread n's requests, each as "<byte length>\n<raw request>".
--   MODE "loop": cycle through the pool until wrk's duration ends (baselines; uniqueness
--   does not matter there). MODE "once": each request is sent once; when a thread has its
--   last response it prints "wrk-thread-done" and stops, and the bench then ends wrk with
--   SIGINT. Elapsed time is then measured here (first request to last response) with
--   clock_gettime through LuaJIT's ffi, not wrk's duration. Connections that free up once
--   the pool is used up (wrk always sends something) send "GET /inbox", which the inbox
--   answers 405 at once; 405s are left out of every count. Fillers are paced (20 ms), and
--   a thread also stops 5 s after its last counted response, should a response never come.
--   Use one thread in "once" mode: a stopped thread leaves connections open that gunicorn's
--   sync workers then wait on, starving the threads still running.
-- wrk calls request() once from its main thread before the run, to check the script: that
-- call gets a filler, so that no request of the pool goes unsent.
-- done() prints one line "BENCH {json}" for the bench to parse.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
unsigned long pthread_self(void);
]]
local ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  prefix, mode = args[1], args[2] or "once"
  local f = assert(io.open(prefix .. "." .. id, "rb"))
  local data = f:read("*a")
  f:close()
  pool = {}
  local pos = 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local n = tonumber(data:sub(pos, nl - 1))
    pool[#pool + 1] = data:sub(nl + 1, nl + n)
    pos = nl + n + 1
  end
  size = #pool
  filler = wrk.format("GET", "/inbox")
  fillers, finished = 0, false
  main_thread = tostring(ffi.C.pthread_self()) -- init() runs on wrk's main thread
  sent, received, counted = 0, 0, 0
  first, last = 0, 0
  accepted, other, other_status = 0, 0, 0
end

function request()
  if tostring(ffi.C.pthread_self()) == main_thread then
    return filler -- wrk checking the script, not a request sent
  end
  if sent == 0 then first = now() end
  sent = sent + 1
  if mode == "loop" then
    return pool[(sent - 1) % size + 1]
  end
  if sent > size then
    fillers = fillers + 1
    if fillers >= 2000 or (last > 0 and now() - last > 5) then
      finish()
    end
    return filler
  end
  return pool[sent]
end

function delay()
  if mode ~= "loop" and sent >= size then
    return 20
  end
  return 0
end

function finish()
  if finished then
    return
  end
  finished = true
  io.stdout:write("wrk-thread-done\n")
  io.stdout:flush()
  wrk.thread:stop()
end

function response(status, headers, body)
  if mode ~= "loop" and status == 405 then
    return -- a filler, sent after the pool was used up
  end
  received = received + 1
  if mode == "loop" or received <= size then
    counted = counted + 1
    last = now()
    if status == 202 then
      accepted = accepted + 1
    else
      other = other + 1
      other_status = status
    end
  end
  if mode ~= "loop" and received == size then
    finish()
  end
end

function done(summary, latency, requests)
  local mode = threads[1]:get("mode")
  local t0, t1, n, ok, bad, bad_status = nil, 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    local f, l = thread:get("first"), thread:get("last")
    if f and f > 0 and (t0 == nil or f < t0) then t0 = f end
    if l and l > t1 then t1 = l end
    n = n + (thread:get("counted") or 0)
    ok = ok + (thread:get("accepted") or 0)
    bad = bad + (thread:get("other") or 0)
    if (thread:get("other_status") or 0) ~= 0 then bad_status = thread:get("other_status") end
  end
  local elapsed = (t0 and t1 > t0) and (t1 - t0) or 0
  local e = summary.errors
  io.stdout:write(string.format(
    'BENCH {"mode": "%s", "responses": %d, "accepted": %d, "other": %d, "other_status": %d, ' ..
    '"elapsed": %.6f, "wrk_requests": %d, "wrk_duration": %.6f, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_ms": %.3f, "p99_ms": %.3f}\n',
    mode, n, ok, bad, bad_status, elapsed, summary.requests, summary.duration / 1e6,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
