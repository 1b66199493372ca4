-- Shared by the wrk scripts of bench/run: deterministic bench ids and the JSON summary line.
--
-- Bulk-filled rows (bench/run, fill SQL) use ids whose 26-character body is one kind letter,
-- 19 'z' and the row number in 6 base-32 digits, so a script can name any of a million
-- applications without a list of ids. The digits are the id alphabet (a-z, 2-7) in ASCII
-- order, "234567abc…z", so ids grow with the row number and the bulk insert appends to
-- every index instead of splitting pages all over it.

local M = {}

local ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

function M.b32(n, width)
  local out = {}
  for i = width, 1, -1 do
    local d = n % 32
    out[i] = ALPHABET:sub(d + 1, d + 1)
    n = math.floor(n / 32)
  end
  return table.concat(out)
end

-- kind: "b" for filled applications (two secrets each), "c" for the empty ones of the
-- Create pool.
function M.app_id(kind, n)
  return "app_" .. kind .. string.rep("z", 19) .. M.b32(n, 6)
end

function M.env(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then
    if default == nil then
      error("bench: environment variable " .. name .. " is required")
    end
    return default
  end
  return v
end

-- Headers shaped like an SDK's V3 (ACS3-HMAC-SHA256) request. The server accepts any
-- signature until access keys exist (API.md §2), so the signature is not a real one; the
-- server still parses every header, as it will once it checks them.
function M.rpc_headers(action)
  return {
    ["x-acs-action"] = action,
    ["x-acs-version"] = "2021-12-01",
    ["x-acs-date"] = "2025-01-01T00:00:00Z",
    ["x-acs-signature-nonce"] = "bench-nonce",
    ["x-acs-content-sha256"] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ["Authorization"] = "ACS3-HMAC-SHA256 Credential=bench-access-key,"
      .. "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;"
      .. "x-acs-signature-nonce;x-acs-version,"
      .. "Signature=0000000000000000000000000000000000000000000000000000000000000000",
    ["Accept"] = "application/json",
  }
end

-- wrk's done(): one line "BENCH_JSON {...}" on stdout for bench/run to parse.
function M.done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  local function p(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.2f,"bytes":%d,'
      .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, secs, summary.requests / secs, summary.bytes,
    p(50), p(90), p(99), latency.max / 1000.0, latency.mean / 1000.0,
    e.connect, e.read, e.write, e.status, e.timeout))
end

return M
