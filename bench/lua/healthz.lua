-- The trivial endpoint of the same binary: GET /healthz.
package.path = (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")

wrk.method = "GET"
wrk.path = "/healthz"
done = c.done
