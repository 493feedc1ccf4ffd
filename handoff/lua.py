"""Lua scripts: every state change of a conversation is one atomic script.

Each script appends the transcript entry (seq = HINCRBY on the conversation hash, stream id ``0-<seq>``, so
Redis itself refuses an out-of-order entry) and PUBLISHes it in the same step, so the order of live
notifications is the order of ``seq`` and nothing is published that is not stored.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError

from handoff.errors import RedisVersionError
from handoff.keys import Keys

# PEXPIRETIME (keep_alive) exists since Redis 7.0.
MIN_REDIS = (7, 0)


async def require_redis_version(redis: Any) -> None:
    """Refuse to start on a Redis the scripts cannot run on, instead of failing every message later.
    An unreachable Redis is not refused here: the gateway starts and /health reports it."""
    try:
        info = await redis.info("server")
    except (RedisError, OSError):
        return
    found = str(info.get("redis_version", "0"))
    parts = [int(p) if p.isdigit() else 0 for p in found.split(".")[:2]]
    if tuple(parts + [0] * (2 - len(parts))) < MIN_REDIS:
        raise RedisVersionError(
            f"Redis {found} at REDIS_URL is too old: the gateway needs Redis >= 7.0 (PEXPIRETIME); "
            "install redis-server from Debian 12 or later, or run the redis:7.2 image of docker-compose.yml")


# KEYS[1..CONVERSATION_KEYS] of every script below: Keys.conversation(cid).
CONVERSATION_KEYS = len(Keys().conversation("-"))
# Bot inputs of one conversation waiting for Rasa, across all its sockets and gateways: more are refused
# (rate_limited, retryable) until the bot has answered, so one client cannot queue hundreds of turns.
MAX_PENDING_BOT_INPUTS = 5


def keep_alive(ttl: str) -> str:
    """Lua giving every key of the conversation the same expiry, ``ttl`` (a Lua expression) seconds from now.

    Each script that changes a conversation runs this after its writes, so no key of it can expire while the
    conversation lives (a lost ``rated`` let an answer be rated twice, a lost ``offered`` refused an
    offered button). One deadline read back from the hash, not an EXPIRE per key: Redis 7.0 reads the
    clock on each EXPIRE inside a script, so the keys would expire milliseconds apart.
    """
    return f"""
redis.call('EXPIRE', KEYS[1], {ttl})
local deadline = redis.call('PEXPIRETIME', KEYS[1])
for i = 2, {CONVERSATION_KEYS} do redis.call('PEXPIREAT', KEYS[i], deadline) end
"""


# KEYS: Keys.conversation (conv, transcript, dedupe, pending, offered, rated)
# ARGV: body (entry JSON without its leading '{'), msg_id|'', channel, ttl_s, cond_field|'',
#       cond_values (comma list), set_json|'', now_iso, pending_item|'', offered payloads (JSON list)|''
# pending_item is pushed on the conversation's pending bot-turn list when the state is ``bot``, in the same
# step as the store, so an input acked just before a crash is still answered after the restart. The offered
# payloads (a bot message's buttons) are recorded with the message, so a shown button is always accepted.
# -> {1, seq, state} stored, {0, seq, state} duplicate msg_id, {-1, actual} condition failed,
#    {-2, ''} no conversation, {-9, ''} too many bot inputs pending (-3/-4 are FEEDBACK's own refusals).
#    ``state``: the state after the append.
_APPEND_CHECKS = """
if ARGV[2] ~= '' then
  local s = redis.call('HGET', KEYS[3], ARGV[2])
  if s then return {0, tonumber(s), redis.call('HGET', KEYS[1], 'state') or ''} end
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-2, ''} end
if ARGV[5] ~= '' then
  local v = redis.call('HGET', KEYS[1], ARGV[5]) or ''
  local ok = false
  for want in string.gmatch(ARGV[6], '[^,]+') do if v == want then ok = true end end
  if not ok then return {-1, v} end
end
if ARGV[9] ~= '' and redis.call('HGET', KEYS[1], 'state') == 'bot'
    and redis.call('LLEN', KEYS[4]) >= {MAX_PENDING_BOT_INPUTS} then
  return {-9, ''}
end
""".replace("{MAX_PENDING_BOT_INPUTS}", str(MAX_PENDING_BOT_INPUTS))

# ``head``: fields the script itself puts before the body (a local set by the script using this part).
_APPEND_STORE = """
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local entry = '{"seq":' .. seq .. ',' .. head .. ARGV[1]
redis.call('XADD', KEYS[2], '0-' .. seq, 'e', entry)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[2], seq) end
if ARGV[7] ~= '' then
  for k, v in pairs(cjson.decode(ARGV[7])) do redis.call('HSET', KEYS[1], k, v) end
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[8])
local state = redis.call('HGET', KEYS[1], 'state')
if ARGV[9] ~= '' and state == 'bot' then redis.call('RPUSH', KEYS[4], ARGV[9]) end
redis.call('PUBLISH', ARGV[3], entry)
"""

_OFFER = """
if ARGV[10] ~= '' then
  for _, payload in ipairs(cjson.decode(ARGV[10])) do redis.call('SADD', KEYS[5], payload) end
end
"""

APPEND = (
    "local head = ''\n" + _APPEND_CHECKS + _APPEND_STORE + _OFFER + keep_alive("ARGV[4]") + "return {1, seq, state}\n"
)

# The citizen's answer to a feedback prompt (a bot_message offering both feedback payloads): APPEND of the
# feedback event with ``target_seq`` = the prompt, at most once per prompt. A resent msg_id is acked as by
# APPEND before anything else is checked.
# KEYS: as APPEND (rated: hash prompt seq -> seq of the feedback event that rated it)
# ARGV: 1-9 as APPEND, 10 prompt seq|'' ('' = the latest prompt), 11 positive payload, 12 negative payload,
#       13 how many of the latest entries to search for the latest prompt
# -> as APPEND ({1, seq, state, prompt seq} stored), {-3, ''} no such prompt, {-4, seq, prompt seq} already
#    rated by the feedback event ``seq``
_FEEDBACK_TARGET = """
local function is_prompt(raw)
  -- Entries are written by Python's json.dumps, which leaves '/' unescaped: a plain find skips the
  -- entries that cannot be prompts without decoding them.
  if not string.find(raw, ARGV[11], 1, true) then return false end
  local e = cjson.decode(raw)
  if e.type ~= 'bot_message' or type(e.buttons) ~= 'table' then return false end
  local offered = {}
  for _, b in ipairs(e.buttons) do
    if type(b) == 'table' and type(b.payload) == 'string' then offered[b.payload] = true end
  end
  return offered[ARGV[11]] and offered[ARGV[12]]
end
local target = nil
if ARGV[10] ~= '' then
  local t = tonumber(ARGV[10])
  if t >= 1 and t <= tonumber(redis.call('HGET', KEYS[1], 'seq') or '0') then
    local rows = redis.call('XRANGE', KEYS[2], '0-' .. ARGV[10], '0-' .. ARGV[10])
    if rows[1] and is_prompt(rows[1][2][2]) then target = t end
  end
else
  for _, row in ipairs(redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[13])) do
    if is_prompt(row[2][2]) then
      target = tonumber(string.sub(row[1], 3))
      break
    end
  end
end
if not target then return {-3, ''} end
local rated_by = redis.call('HGET', KEYS[6], target)
if rated_by then return {-4, tonumber(rated_by), target} end
local head = '"target_seq":' .. target .. ','
"""

FEEDBACK = _APPEND_CHECKS + _FEEDBACK_TARGET + _APPEND_STORE + """
redis.call('HSET', KEYS[6], target, seq)
""" + keep_alive("ARGV[4]") + "return {1, seq, state, target}\n"

# A citizen's leave-a-message: APPEND of its ``leave_message`` event plus the callback request for agents, in
# one step after the conversation's msg_id dedupe. So a resend (the same frame again, on any socket or
# process, even while the first is being stored, even after its request expired) is acked with its seq and
# creates and announces nothing, and a conversation closed meanwhile stores neither. The request expires at
# the conversation's deadline as of now, the same millisecond (docs/redis-data-model.md, "Callback lifetime").
# KEYS: Keys.conversation, then callback, callbacks index (read as the last two)
# ARGV: 1-10 as APPEND (no pending item, no offers), 11 callback JSON, 12 callback id, 13 index score
#       (epoch s), 14 prune index entries scored below this (epoch s), 15 callbacks channel, 16 added message
# -> as APPEND
LEAVE_MESSAGE = "local head = ''\n" + _APPEND_CHECKS + _APPEND_STORE + keep_alive("ARGV[4]") + """
local callback, index = KEYS[#KEYS - 1], KEYS[#KEYS]
redis.call('HSET', callback, 'data', ARGV[11], 'status', 'open')
redis.call('PEXPIREAT', callback, redis.call('PEXPIRETIME', KEYS[1]))
redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. ARGV[14])
redis.call('ZADD', index, ARGV[13], ARGV[12])
redis.call('PUBLISH', ARGV[15], ARGV[16])
return {1, seq, state}
"""

# KEYS: Keys.conversation, then queue, agent_set, presence, target agent_set (read as the last four, so a
#       key added to a conversation does not shift them)
# ARGV: 1 from_states (comma list), 2 required_agent|'', 3 set_json|'', 4 queue_op add|rem|'',
#       5 queue_score|'' (''= the stored queue_score), 6 agent_op add|rem|'', 7 cid, 8 status body,
#       9 extra body|'', 10 conv channel, 11 queue message|'', 12 queue channel, 13 avg wait s,
#       14 agents online, 15 ttl_s, 16 now_iso, 17 stale agent|'', 18 stale cutoff (epoch s),
#       19 target agent|'' (a transfer: must have beaten since 18; the conversation joins its set),
# -> {1, last_seq, position, previous_agent} | {0, state, agent} refused | {-2, '', ''} no conversation
#    | {0, 'target_offline', agent} the transfer's target is not connected
TRANSITION = """
local queue, agent_set, presence, target_set = KEYS[#KEYS - 3], KEYS[#KEYS - 2], KEYS[#KEYS - 1], KEYS[#KEYS]
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {-2, '', ''} end
local agent = redis.call('HGET', KEYS[1], 'agent') or ''
local ok = false
for want in string.gmatch(ARGV[1], '[^,]+') do if state == want then ok = true end end
if not ok or (ARGV[2] ~= '' and agent ~= ARGV[2]) then return {0, state, agent} end
if ARGV[17] ~= '' then
  local seen = redis.call('ZSCORE', presence, ARGV[17])
  if seen and tonumber(seen) >= tonumber(ARGV[18]) then return {0, 'agent_alive', agent} end
end
if ARGV[19] ~= '' then
  local seen = redis.call('ZSCORE', presence, ARGV[19])
  if not seen or tonumber(seen) < tonumber(ARGV[18]) then return {0, 'target_offline', agent} end
end
if ARGV[3] ~= '' then
  for k, v in pairs(cjson.decode(ARGV[3])) do redis.call('HSET', KEYS[1], k, v) end
end
local pos = 0
if ARGV[4] == 'add' then
  local score = ARGV[5]
  if score == '' then score = redis.call('HGET', KEYS[1], 'queue_score') end
  redis.call('ZADD', queue, score, ARGV[7])
  pos = redis.call('ZRANK', queue, ARGV[7]) + 1
elseif ARGV[4] == 'rem' then
  redis.call('ZREM', queue, ARGV[7])
end
if ARGV[6] == 'add' then redis.call('SADD', agent_set, ARGV[7]) end
if ARGV[6] == 'rem' then redis.call('SREM', agent_set, ARGV[7]) end
if ARGV[19] ~= '' then redis.call('SADD', target_set, ARGV[7]) end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local head = '{"seq":' .. seq .. ','
if pos > 0 then
  local est = math.ceil(pos * tonumber(ARGV[13]) / math.max(1, tonumber(ARGV[14])))
  head = head .. '"position":' .. pos .. ',"estimated_wait_s":' .. est .. ','
end
local entry = head .. ARGV[8]
redis.call('XADD', KEYS[2], '0-' .. seq, 'e', entry)
redis.call('PUBLISH', ARGV[10], entry)
if ARGV[9] ~= '' then
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  entry = '{"seq":' .. seq .. ',' .. ARGV[9]
  redis.call('XADD', KEYS[2], '0-' .. seq, 'e', entry)
  redis.call('PUBLISH', ARGV[10], entry)
end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[16])
""" + keep_alive("ARGV[15]") + """
if ARGV[11] ~= '' then redis.call('PUBLISH', ARGV[12], ARGV[11]) end
return {1, seq, pos, agent}
"""

# KEYS: presence. ARGV: username, cutoff. Removes the agent only if still stale -> 1 removed, 0 not.
DROP_STALE = """
local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
if seen and tonumber(seen) < tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
"""
