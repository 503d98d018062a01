/**
 * Header values reach `writeHead`, which throws ERR_INVALID_CHAR for a character outside
 * Latin-1 or a control character: a value built from data (a leader's id, a message) must never
 * be able to crash the answer, so each is made safe before it is written.
 */

/** Characters a header value may hold: tab, visible ASCII and space, and obs-text (0x80-0xFF). */
const UNSAFE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * safeHeaderValue returns `value` when it is safe to write as is, else its percent-encoded
 * UTF-8 (`узел1` → `%D1%83%D0%B7...`), which is ASCII and loses nothing.
 */
export function safeHeaderValue(value: string): string {
  return UNSAFE.test(value) ? encodeURIComponent(value) : value;
}

/** safeHeaders applies safeHeaderValue to every value (and drops names that are not tokens). */
export function safeHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const safe: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) continue;
    safe[name] = safeHeaderValue(String(value));
  }
  return safe;
}
