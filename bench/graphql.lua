-- wrk script for GraphQL over HTTP: each thread replays its own plan of requests (bench/wrk_load.py writes them).
--
--   wrk -s bench/graphql.lua URL -- PLAN_PREFIX
--
-- Thread i reads PLAN_PREFIX.i; each line is KIND \t USER_ID \t TOKEN \t BODY, with KIND one of
--   R  a request sent as is (a read, or a booking by USER_ID with TOKEN: one line per booker)
--   C  a cancel slot: cancels the oldest booking this thread made and has not cancelled yet
--      (as the user who made it), or, when there is none, is skipped for the next line.
-- Bookings are counted by `"bookEvent":{` in responses; those selecting `id` and `user { id }` become cancellable.
-- The plan repeats when exhausted. A 200 response whose body has "errors" counts as a GraphQL error; the
-- first one seen is kept as a sample. Answers 429, 503 or with RATE_LIMITED count as shed (they are errors
-- too). done() prints one line: WRK_JSON {...}.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local CANCEL = '{"query":"mutation($id: ID!) { cancelBooking(id: $id) { id status } }","variables":{"id":"%s"}}'

local kinds, prebuilt, tokens_by_user = {}, {}, {}
local pending, pending_head = {}, 1
local position = 0
graphql_errors, shed, bookings, cancels, first_error = 0, 0, 0, 0, ""

local function format(token, body)
  local headers = { ["Content-Type"] = "application/json" }
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", wrk.path, headers, body)
end

function init(args)
  for line in io.lines(args[1] .. "." .. index) do
    local kind, user, token, body = line:match("^(%u)\t([^\t]*)\t([^\t]*)\t(.*)$")
    kinds[#kinds + 1] = kind
    if kind == "R" then
      prebuilt[#kinds] = format(token, body)
    end
    if user ~= "" then
      tokens_by_user[user] = token
    end
  end
end

local function next_cancel()
  local entry = pending[pending_head]
  if entry == nil then
    return nil
  end
  pending[pending_head] = nil
  pending_head = pending_head + 1
  return format(entry[2], string.format(CANCEL, entry[1]))
end

function request()
  for _ = 1, #kinds do
    position = position % #kinds + 1
    if kinds[position] == "R" then
      return prebuilt[position]
    end
    local cancel = next_cancel()
    if cancel ~= nil then
      return cancel
    end
  end
  error("the plan has no request to send")
end

function response(status, headers, body)
  if status == 429 or status == 503 or body:find('"RATE_LIMITED"', 1, true) then
    shed = shed + 1
  end
  if status == 200 and body:find('"errors"%s*:') then
    graphql_errors = graphql_errors + 1
    if first_error == "" then
      first_error = body:sub(1, 300)
    end
    return
  end
  if body:find('"bookEvent"%s*:%s*{') then
    bookings = bookings + 1
    local booking, user = body:match('"bookEvent"%s*:%s*{%s*"id"%s*:%s*"(%d+)".-"user"%s*:%s*{%s*"id"%s*:%s*"(%d+)"')
    local token = tokens_by_user[user or ""]
    if token ~= nil then
      pending[#pending + 1] = { booking, token }
    end
  elseif body:find('"cancelBooking"%s*:%s*{') then
    cancels = cancels + 1
  end
end

local function json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ') .. '"'
end

function done(summary, latency, requests)
  local errors, refused, booked, cancelled, sample = 0, 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    errors = errors + thread:get("graphql_errors")
    refused = refused + thread:get("shed")
    booked = booked + thread:get("bookings")
    cancelled = cancelled + thread:get("cancels")
    if sample == "" then
      sample = thread:get("first_error")
    end
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"graphql_errors":%d,"shed":%d,"bookings":%d,"cancels":%d,"error_sample":%s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, errors, refused, booked, cancelled, json_string(sample)))
end
