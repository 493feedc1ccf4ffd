// The gateway's limits on what the citizen types (docs/protocol.md §1: started/resumed.max_text_chars and
// max_frame_bytes). The widget checks before sending so a long message is never sent only to be refused.

// Until the gateway's first started/resumed frame arrives (e.g. text typed while still connecting).
export const DEFAULT_LIMITS = { chars: 1000, bytes: 4096 };
// Room in a frame for everything but the text: {"type":"message","msg_id":"m-<uuid>","text":""}.
const FRAME_OVERHEAD = 96;

export function limitsOf(frame, current = DEFAULT_LIMITS) {
  const ok = (n) => Number.isInteger(n) && n > 0;
  return {
    chars: ok(frame.max_text_chars) ? frame.max_text_chars : current.chars,
    bytes: ok(frame.max_frame_bytes) ? frame.max_frame_bytes : current.bytes,
  };
}

/** Characters as the gateway counts them (code points of the trimmed text), not UTF-16 units. */
export function textLength(text) {
  return [...String(text ?? "").trim()].length;
}

/** True when `text` would be refused: too many characters, or a frame over the byte limit (emoji). */
export function tooLong(text, limits) {
  const trimmed = String(text ?? "").trim();
  if (textLength(trimmed) > limits.chars) return true;
  return new TextEncoder().encode(JSON.stringify(trimmed)).length + FRAME_OVERHEAD > limits.bytes;
}
