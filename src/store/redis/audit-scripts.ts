// The audit log's Lua: SHA-256 finishing, JSON string escaping identical to JSON.stringify, and the append step.
// Shared by the standalone append script and the enforce script (which appends in the same call as it decides).
//
// Redis' Lua 5.1 has no SHA-256; `bit` (LuaBitOp) gives 32-bit operations. The caller compressed every whole
// 64-byte block of the record's known start (src/audit/midstate.ts); the script appends the decided and chain
// fields and finishes the hash, two or three blocks whatever the record's length.

/**
 * `leash_sha256_finish(state, msg, done)`: SHA-256 hex of (the `done` bytes summarised by `state`, 64 hex digits)
 * followed by `msg`. `leash_json(s)`: `s` as a JSON string literal, escaped exactly as JSON.stringify escapes it
 * (`"` `\` and C0 controls; \b \f \n \r \t short; others \u00xx lowercase; everything else, UTF-8 included, as is).
 */
export const AUDIT_LUA_FUNCTIONS = String.raw`
local function leash_sha256_finish(state, msg, done)
  local band, bor, bxor, ror, rshift, tobit = bit.band, bit.bor, bit.bxor, bit.ror, bit.rshift, bit.tobit
  local byte, char, floor = string.byte, string.char, math.floor
  local K = {
    0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2}
  local function be32(x)
    return char(floor(x / 16777216) % 256, floor(x / 65536) % 256, floor(x / 256) % 256, x % 256)
  end
  local bits = (done + #msg) * 8
  msg = msg .. '\128' .. string.rep('\0', (55 - #msg) % 64) .. be32(floor(bits / 4294967296)) .. be32(bits % 4294967296)
  local s = {}
  for i = 1, 8 do s[i] = tobit(tonumber(string.sub(state, i * 8 - 7, i * 8), 16)) end
  local h0, h1, h2, h3, h4, h5, h6, h7 = s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]
  local w = {}
  for i = 1, #msg, 64 do
    for j = 1, 16 do
      local b1, b2, b3, b4 = byte(msg, i + j * 4 - 4, i + j * 4 - 1)
      w[j] = tobit(b1 * 16777216 + b2 * 65536 + b3 * 256 + b4)
    end
    for j = 17, 64 do
      local x, y = w[j - 15], w[j - 2]
      w[j] = tobit(w[j - 16] + w[j - 7] + bxor(ror(x, 7), ror(x, 18), rshift(x, 3))
        + bxor(ror(y, 17), ror(y, 19), rshift(y, 10)))
    end
    local a, b, c, d, e, f, g, h = h0, h1, h2, h3, h4, h5, h6, h7
    for j = 1, 64 do
      local t1 = h + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(g, band(e, bxor(f, g))) + K[j] + w[j]
      h, g, f, e, d = g, f, e, tobit(d + t1), c
      c, b = b, a
      a = tobit(t1 + bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bor(band(a, c), band(d, bor(a, c))))
    end
    h0, h1, h2, h3 = tobit(h0 + a), tobit(h1 + b), tobit(h2 + c), tobit(h3 + d)
    h4, h5, h6, h7 = tobit(h4 + e), tobit(h5 + f), tobit(h6 + g), tobit(h7 + h)
  end
  local tohex = bit.tohex
  return tohex(h0) .. tohex(h1) .. tohex(h2) .. tohex(h3) .. tohex(h4) .. tohex(h5) .. tohex(h6) .. tohex(h7)
end

local function leash_json(s)
  local short = {['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t'}
  local escaped = string.gsub(s, '[%z\1-\31\\"]', function(c)
    return short[c] or string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. escaped .. '"'
end

-- Appends one record to the chain (stream, head). decision/reason/limit: the decided fields. ARGV[a] state,
-- ARGV[a+1] the bytes after the compressed blocks, ARGV[a+2] how many bytes were compressed, ARGV[a+3..] the
-- caller-known fields as name, value pairs in canonical order. Returns id, seq, prev, hash.
local function leash_audit_append(stream, head, nowMs, decision, reason, limit, a)
  local last = redis.call('HMGET', head, 'hash', 'seq', 'id')
  local prev = last[1] or '0000000000000000000000000000000000000000000000000000000000000000'
  local seq = string.format('%d', (tonumber(last[2]) or 0) + 1)
  local lastId = last[3]
  if not lastId then
    local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
    if top[1] then lastId = top[1][1] end
  end
  -- Stream ids follow the records' time but never go backwards, whatever the brokers' clocks say.
  local ms = tonumber(nowMs)
  if lastId then
    local lastMs = tonumber(string.match(lastId, '^(%d+)'))
    if lastMs and lastMs > ms then ms = lastMs end
  end
  local tail = ',"decision":' .. leash_json(decision) .. ',"reason":' .. leash_json(reason) ..
    ',"limit":' .. leash_json(limit) .. ',"seq":' .. leash_json(seq) .. ',"prev":' .. leash_json(prev) .. '}'
  local hash = leash_sha256_finish(ARGV[a], ARGV[a + 1] .. tail, tonumber(ARGV[a + 2]))
  local fields = {}
  for i = a + 3, #ARGV, 2 do
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i + 1]
  end
  local n = #fields
  fields[n + 1], fields[n + 2] = 'decision', decision
  fields[n + 3], fields[n + 4] = 'reason', reason
  fields[n + 5], fields[n + 6] = 'limit', limit
  fields[n + 7], fields[n + 8] = 'seq', seq
  fields[n + 9], fields[n + 10] = 'prev', prev
  fields[n + 11], fields[n + 12] = 'hash', hash
  local id = redis.call('XADD', stream, string.format('%d', ms) .. '-*', unpack(fields))
  redis.call('HSET', head, 'hash', hash, 'seq', seq, 'id', id)
  return id, seq, prev, hash
end
`;

/**
 * One record on its own (mint, approval, revocation, principal and key events).
 * KEYS[1] stream, KEYS[2] head. ARGV[1] nowMs, ARGV[2] decision, ARGV[3] reason, ARGV[4] limit, ARGV[5] state,
 * ARGV[6] rest, ARGV[7] compressed, ARGV[8..] field/value pairs. Returns {id, seq, prev, hash}.
 */
export const AUDIT_APPEND_LUA = `${AUDIT_LUA_FUNCTIONS}
local id, seq, prev, hash = leash_audit_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 5)
return {id, seq, prev, hash}
`;
