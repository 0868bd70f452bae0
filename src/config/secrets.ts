// Every text cortex prints or stores goes through scrub(): URL passwords are masked by shape, and
// passwords the process has seen (URLs it parsed, PGPASSWORD) are removed wherever they appear,
// e.g. echoed by a driver or inside a URL too malformed to be recognised.

const MASK = '****';

// scheme://…: any scheme, any case (a typo like `postgress://` or `POSTGRESQL://` must not leak),
// up to whitespace or a quote. The userinfo ends at the token's last `@`, because a password may
// itself hold `@`, `:` or `/` (postgres.js accepts them unencoded): masking too much of a
// malformed token is better than showing part of a password.
const URL_TOKEN = /\b([a-z][a-z0-9+.-]*:\/+)([^\s'"<>`]+)/gi;
// key=value connection strings and query parameters: password=… up to a separator, or quoted.
const PASSWORD_PAIR = /(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&;]*)/gi;

const secrets = new Set<string>();

/** Mask the password of every URL-like string and `password=` pair in a text. */
export function maskUrl(text: string): string {
  return text
    .replace(URL_TOKEN, (whole: string, scheme: string, rest: string) => {
      const at = rest.lastIndexOf('@');
      if (at < 0) return whole;
      const colon = rest.indexOf(':');
      if (colon < 0 || colon > at) return whole;
      return `${scheme}${rest.slice(0, colon + 1)}${MASK}${rest.slice(at)}`;
    })
    .replace(PASSWORD_PAIR, (_whole: string, key: string, value: string) => (value === '' ? key : `${key}${MASK}`));
}

/**
 * Remember a password so that scrub() removes it from any text, raw and percent-encoded. Very
 * short ones are masked only where they appear as a URL's or pair's password (removing every
 * occurrence of two letters would garble messages).
 */
export function rememberSecret(secret: string | undefined): void {
  if (!secret || secret.length < 3) return;
  secrets.add(secret);
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) secrets.add(encoded);
}

/** Remove known secrets from a text (longest first, so an encoded form is not half-replaced). */
export function redact(text: string, extra: Array<string | undefined> = []): string {
  let out = maskUrl(text);
  const all = [...secrets, ...extra.filter((s): s is string => Boolean(s) && s!.length >= 3)];
  for (const s of all.sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return out;
}

/** The text as it may be printed or stored: URLs masked and every known secret removed. */
export function scrub(text: string): string {
  return redact(text);
}

/** A deep copy of a JSON-like value with every string scrubbed (envelopes, reports). */
export function scrubDeep<T>(value: T): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v);
    return out as T;
  }
  return value;
}
