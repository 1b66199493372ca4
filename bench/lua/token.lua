-- The token endpoint: POST /{InstanceId}/api/v2/iauths_system/oauth2/token with
-- client_secret_basic and a client_credentials form.
--
-- Environment:
--   BENCH_INSTANCE  InstanceId
--   BENCH_BASIC     base64 of "client_id:client_secret" (bench/run computes it; the flood
--                   uses a wrong secret of the right length and ends, so every attempt
--                   reaches Argon2)
--   BENCH_SCOPE     the scope, already form-encoded
package.path = (os.getenv("BENCH_LUA") or "bench/lua") .. "/?.lua;" .. package.path
local c = require("common")

local instance = c.env("BENCH_INSTANCE")
wrk.method = "POST"
wrk.path = "/" .. instance .. "/api/v2/iauths_system/oauth2/token"
wrk.headers["Authorization"] = "Basic " .. c.env("BENCH_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.body = "grant_type=client_credentials&scope=" .. c.env("BENCH_SCOPE")

done = c.done
