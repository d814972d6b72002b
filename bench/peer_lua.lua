-- SPDX-License-Identifier: MIT
-- bench/peer_lua.lua - Lua coroutines from a Lua script, run by both lua5.4
-- (system `lua`) and luajit (system `luajit`):
--
--     lua5.4 bench/peer_lua.lua BENCHMARK SYSTEM ITERS WARMUP
--
-- prints "ns-per-operation<TAB>checksum" as the C programs do. Plain Lua has
-- no high-resolution wall clock, so this times with os.clock(): the
-- process's CPU time, which for this single-threaded loop is its run time.
--
-- roundtrip: resume(co, v) / yield(v + 1). create_destroy: create, resume to
-- the first yield, coroutine.close where the language has it (Lua 5.4; in
-- LuaJIT the dead-ended coroutine is left to the collector), amortized GC
-- included.

local benchmark, _, iters, warmup = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local create, resume, yield = coroutine.create, coroutine.resume, coroutine.yield
local close = coroutine.close

local function adder(v)
  while true do v = yield(v + 1) end
end

local function sends(co, n)
  local sum = 0
  for i = 0, n - 1 do
    local _, r = resume(co, i)
    sum = sum + r
  end
  return sum
end

local function create_destroy(n)
  local sum = 0
  for _ = 1, n do
    local co = create(adder)
    local _, r = resume(co, 0)
    sum = sum + r
    if close then close(co) end
  end
  return sum
end

local sum, t0, t1
if benchmark == "roundtrip" then
  local co = create(adder)
  sends(co, warmup)
  t0 = os.clock()
  sum = sends(co, iters)
  t1 = os.clock()
elseif benchmark == "create_destroy" then
  create_destroy(warmup)
  t0 = os.clock()
  sum = create_destroy(iters)
  t1 = os.clock()
else
  io.stderr:write("peer_lua.lua: no case " .. tostring(benchmark) .. "\n")
  os.exit(1)
end
print(string.format("%.3f\t%d", (t1 - t0) * 1e9 / iters, sum))
