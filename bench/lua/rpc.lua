-- RPC POSTs (POST / with x-acs-* headers, parameters in the query), as the SDKs send them.
--
-- Environment:
--   BENCH_ACTION      the action (x-acs-action)
--   BENCH_INSTANCE    InstanceId
--   BENCH_APPS        mode of ApplicationId:
--                       "none"      no ApplicationId
--                       "random:N"  a random one of the N filled applications (kind "b")
--                       "walk2:N"   Create pool: every application of kind "c" twice, then
--                                   the next; threads take interleaved ones (BENCH_THREADS),
--                                   from BENCH_START on
--   BENCH_PAGES       if set (e.g. 500): a random PageNumber in 1..BENCH_PAGES
--   BENCH_QUERY       extra query parameters, already encoded (e.g. "PageSize=20")
package.path = (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")

local action = c.env("BENCH_ACTION")
local instance = c.env("BENCH_INSTANCE")
local mode = c.env("BENCH_APPS", "none")
local pages = tonumber(c.env("BENCH_PAGES", "0"))
local extra = c.env("BENCH_QUERY", "")
local threads = tonumber(c.env("BENCH_THREADS", "1"))
local start = tonumber(c.env("BENCH_START", "0"))

local kind, count = "b", 0
local mode_name, mode_n = mode:match("^(%a[%w]*):(%d+)$")
if mode_name then
  mode, count = mode_name, tonumber(mode_n)
end

local headers = c.rpc_headers(action)
local base = "/?InstanceId=" .. instance .. (extra ~= "" and ("&" .. extra) or "")

local counter = 0
local thread_no = 0

-- setup() runs in the main Lua state; thread:set makes `tid` a global of the thread's state.

function setup(thread)
  thread:set("tid", thread_no)
  thread_no = thread_no + 1
end

function init(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
  tid = tid or 0
end

-- Random requests are made up front (POOL per thread) and then cycled: wrk shares the cores
-- with the server, and building a request in Lua for every call cost wrk more CPU per
-- request than the server spends on the trivial endpoint's.
local POOL = 4096
local pool = nil
local next_in_pool = 0

local function make()
  local path = base
  if mode == "random" then
    path = path .. "&ApplicationId=" .. c.app_id("b", math.random(0, count - 1))
  elseif mode == "walk2" then
    local n = (start + math.floor(counter / 2) * threads + tid) % count
    counter = counter + 1
    path = path .. "&ApplicationId=" .. c.app_id("c", n)
  end
  if pages > 0 then
    path = path .. "&PageNumber=" .. math.random(1, pages)
  end
  return wrk.format("POST", path, headers, "")
end

function request()
  if mode == "walk2" then
    -- Every request is a different application (Create): no pool.
    return make()
  end
  if pool == nil then
    pool = {}
    local n = (mode == "none" and pages == 0) and 1 or POOL
    for i = 1, n do
      pool[i] = make()
    end
  end
  next_in_pool = next_in_pool % #pool + 1
  return pool[next_in_pool]
end

done = c.done
