// libpq's two spellings of a connection string, parsed into its keywords (host, port, dbname,
// user, password, sslmode, ...), so that a URL, a `key=value` string, a service file and the PG*
// variables all merge the way libpq merges them. Multi-host lists stay comma-joined, as in libpq.

/** libpq keywords and their values, as given (a host list stays "h1,h2"). */
export type ConnParams = Record<string, string>;

/** A connection string cortex cannot read; `why` never quotes a password. */
export class ConnInfoError extends Error {}

/** True when the text is a URI (postgres:// or postgresql://) rather than `key=value` pairs. */
export function isUri(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConnInfoError(`bad percent-encoding in the ${what}`);
  }
}

// host[:port] or [v6]:port; the host percent-decoded, so `%2Ftmp` is the socket directory /tmp.
function splitHostPort(spec: string): [string, string] {
  if (spec.startsWith('[')) {
    const end = spec.indexOf(']');
    if (end < 0) throw new ConnInfoError('unclosed [ in an IPv6 host');
    const rest = spec.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new ConnInfoError('unexpected text after an IPv6 host');
    return [spec.slice(1, end), rest.slice(1)];
  }
  const colon = spec.lastIndexOf(':');
  return colon < 0 ? [decode(spec, 'host'), ''] : [decode(spec.slice(0, colon), 'host'), spec.slice(colon + 1)];
}

/** Parse `postgres://user:password@host:port,host2:port2/dbname?key=value` as libpq does. */
export function parseUri(text: string): ConnParams {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/is.exec(text);
  if (!m) throw new ConnInfoError('not a URL; expected postgres://user:password@host:port/database (percent-encode / : @ # ? % in the password)');
  const [, scheme, authority = '', path, query] = m;
  if (!/^postgres(ql)?$/i.test(scheme!)) {
    throw new ConnInfoError(`unsupported scheme "${scheme}"; expected postgres:// or postgresql://`);
  }
  const out: ConnParams = {};
  // The userinfo ends at the last `@`: a password written with an unencoded `@` still parses
  // (postgres.js and WHATWG URLs do the same), rather than leaking its tail into a host name.
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out.password = decode(userinfo.slice(colon + 1), 'password');
    const user = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo, 'user name');
    if (user) out.user = user;
  }
  const hostspec = authority.slice(at + 1);
  if (hostspec !== '') {
    const pairs = hostspec.split(',').map(splitHostPort);
    if (pairs.some(([h]) => h !== '')) out.host = pairs.map(([h]) => h).join(',');
    if (pairs.some(([, p]) => p !== '')) out.port = pairs.map(([, p]) => p).join(',');
  }
  if (path) out.dbname = decode(path, 'database name');
  for (const pair of (query ?? '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new ConnInfoError(`missing "=" in the URL parameter "${decode(pair, 'parameter')}"`);
    const key = decode(pair.slice(0, eq), 'parameter');
    const value = decode(pair.slice(eq + 1), key === 'password' ? 'password' : `parameter ${key}`);
    // JDBC's ssl=true, which libpq accepts as sslmode=require.
    if (key === 'ssl' && value === 'true') out.sslmode = 'require';
    else out[key] = value;
  }
  return out;
}

/** Parse `host=/tmp port=5432 dbname='my db'` (libpq's keyword/value form). */
export function parseKeywords(text: string): ConnParams {
  const out: ConnParams = {};
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (ws(); i < text.length; ws()) {
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (!key) throw new ConnInfoError('expected keyword=value pairs, or a postgres:// URL');
    i += key.length;
    ws();
    if (text[i] !== '=') throw new ConnInfoError(`missing "=" after "${key}" in the connection string`);
    i++;
    ws();
    let value = '';
    if (text[i] === "'") {
      for (i++; i < text.length && text[i] !== "'"; i++) value += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
      if (i >= text.length) throw new ConnInfoError('unterminated quoted value in the connection string');
      i++;
    } else {
      for (; i < text.length && !/\s/.test(text[i]!); i++) value += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
    }
    out[key] = value;
  }
  return out;
}

/** Parse either spelling of a libpq connection string. */
export function parseConnString(text: string): ConnParams {
  return isUri(text) ? parseUri(text) : parseKeywords(text);
}
