/**
 * Secrets never reach logs, errors or the run log: connection strings are shown without passwords,
 * whether the password is in the user part (`user:password@`), in the query (`?password=`, which
 * the PostgreSQL client honours too) or in a libpq keyword string (`password=...`).
 *
 * The redaction reads the string as text, never as a URL: a password holding an unencoded `#`,
 * `/`, `?` or `@` makes a URL parser cut the user part short and show the rest of the password as
 * the host (`postgres://reader:p@ss#word@host` parses as host `ss`). So everything between `://`
 * and the LAST `@` is the user part, whatever it holds; only a plain user name before its first
 * `:` is kept, to say who connects.
 */

/**
 * The parameters libpq and node-postgres read from a connection string's query. A secret value in
 * the query runs until the next `&` that starts one of them (or the end): a password holding an
 * unencoded `&` or `=` is hidden whole, at worst with a parameter after it.
 */
const KNOWN_PARAMS = [
  "host",
  "hostaddr",
  "port",
  "dbname",
  "database",
  "user",
  "password",
  "passfile",
  "require_auth",
  "channel_binding",
  "connect_timeout",
  "client_encoding",
  "options",
  "application_name",
  "fallback_application_name",
  "keepalives",
  "keepalives_idle",
  "keepalives_interval",
  "keepalives_count",
  "tcp_user_timeout",
  "replication",
  "gssencmode",
  "sslmode",
  "requiressl",
  "sslnegotiation",
  "sslcompression",
  "sslcert",
  "sslkey",
  "sslpassword",
  "sslcertmode",
  "sslrootcert",
  "sslcrl",
  "sslcrldir",
  "sslsni",
  "requirepeer",
  "ssl_min_protocol_version",
  "ssl_max_protocol_version",
  "krbsrvname",
  "gsslib",
  "gssdelegation",
  "service",
  "target_session_attrs",
  "load_balance_hosts",
  "ssl",
  "uselibpqcompat",
  "statement_timeout",
  "query_timeout",
  "lock_timeout",
  "idle_in_transaction_session_timeout",
];

/**
 * A query parameter holding a secret (any key containing `password`: `password`, `sslpassword`): the key
 * with its `?`/`&` and `=` (group 1) and the value (group 2), lazily up to the next known parameter.
 */
const QUERY_SECRET = new RegExp(`([?&][^=&?]*password[^=&]*=)([\\s\\S]*?)(?=&(?:${KNOWN_PARAMS.join("|")})=|$)`, "gi");

/** libpq keyword form: `password=value` or `password='value with spaces'` (group 1 the key, group 2 the value). */
const KEYWORD_SECRET = /(\b[\w-]*password[\w-]*\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi;

/** A user name shown as is: nothing in it could be the rest of a password. */
const PLAIN_USER = /^[\w.~-]*$/;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** The parts of a URL-style connection string, read as text (see the file comment). */
interface UrlParts {
  /** Up to and including `://`. */
  readonly scheme: string;
  /** Between `://` and the last `@`; undefined when there is no `@`. */
  readonly userInfo: string | undefined;
  /** After the last `@` (or after `://` when there is none). */
  readonly rest: string;
}

function urlParts(connectionString: string): UrlParts | undefined {
  const schemeEnd = connectionString.indexOf("://");
  if (schemeEnd < 0) return undefined;
  const scheme = connectionString.slice(0, schemeEnd + 3);
  const after = connectionString.slice(schemeEnd + 3);
  const at = after.lastIndexOf("@");
  return at < 0
    ? { scheme, userInfo: undefined, rest: after }
    : { scheme, userInfo: after.slice(0, at), rest: after.slice(at + 1) };
}

/** The user part as it may be shown: `user:***`, `user` (no password), or `***`. */
function shownUserInfo(userInfo: string): string {
  const colon = userInfo.indexOf(":");
  const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
  if (!PLAIN_USER.test(user)) return "***";
  return colon < 0 ? user : `${user}:***`;
}

/** Looks like libpq's `key=value key=value` form rather than a URL or `user:password@host`. */
function isKeywordForm(text: string): boolean {
  return /^\s*[\w-]+\s*=/.test(text);
}

/** The connection string as it may be shown: every password replaced by `***`, for any string, parseable or not. */
export function redactConnectionString(connectionString: string): string {
  // Query secrets first: an `@` inside one must not be taken for the end of the user part.
  const withoutQuerySecrets = connectionString.replace(QUERY_SECRET, "$1***");
  const parts = urlParts(withoutQuerySecrets);
  if (parts) {
    return parts.userInfo === undefined
      ? withoutQuerySecrets
      : `${parts.scheme}${shownUserInfo(parts.userInfo)}@${parts.rest}`;
  }
  if (isKeywordForm(connectionString)) return connectionString.replace(KEYWORD_SECRET, "$1***");
  // Neither a URL nor keywords (`reader:secret@host/db`): everything before the last `@` may be a secret.
  const keywordsHidden = connectionString.replace(KEYWORD_SECRET, "$1***");
  const at = keywordsHidden.lastIndexOf("@");
  return at < 0 ? keywordsHidden : `***${keywordsHidden.slice(at)}`;
}

/**
 * The user-part password as written (between the first `:` after `://` and the last `@`), or
 * undefined when there is none.
 */
function writtenPassword(connectionString: string): string | undefined {
  const userInfo = urlParts(connectionString)?.userInfo;
  if (userInfo === undefined) return undefined;
  const colon = userInfo.indexOf(":");
  return colon < 0 ? undefined : userInfo.slice(colon + 1);
}

/** Every secret in a connection string (user-part, query and keyword passwords, as written and decoded), to scrub from messages. */
export function connectionStringSecrets(connectionString: string): string[] {
  const secrets = new Set<string>();
  const add = (value: string | undefined) => {
    if (!value) return;
    secrets.add(value);
    secrets.add(decode(value));
  };
  add(writtenPassword(connectionString));
  for (const match of connectionString.matchAll(QUERY_SECRET)) add(match[2]);
  if (!urlParts(connectionString)) {
    for (const match of connectionString.matchAll(KEYWORD_SECRET)) add(match[2]!.replace(/^'(.*)'$/s, "$1"));
  }
  return [...secrets];
}

/**
 * Why a URL-style connection string cannot be used as written, or undefined when it can: a URL
 * parser (the PostgreSQL client's) must find the same user and password the text holds. A `#`,
 * `/` or `?` left unencoded in the password makes it cut the password short and take the rest for
 * the host or the database, so the client would connect elsewhere and report a piece of the
 * password as a host name.
 */
export function connectionStringProblem(connectionString: string): string | undefined {
  const parts = urlParts(connectionString);
  if (!parts || parts.userInfo === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return "it is not a valid URL";
  }
  const colon = parts.userInfo.indexOf(":");
  const user = colon < 0 ? parts.userInfo : parts.userInfo.slice(0, colon);
  const password = colon < 0 ? "" : parts.userInfo.slice(colon + 1);
  if (decode(url.username) !== decode(user) || decode(url.password) !== decode(password)) {
    return "its user name or password holds characters a URL reads as the start of the host, path, query or fragment";
  }
  for (const match of connectionString.matchAll(QUERY_SECRET)) {
    const key = decode(match[1]!.slice(1, -1));
    if (url.searchParams.get(key) !== decode(match[2]!)) {
      return `its ${key} parameter holds characters a URL reads as the start of another parameter or the fragment`;
    }
  }
  return undefined;
}

/** Removes every occurrence of the given secrets from a message. */
export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  // Longest first, so a secret containing a shorter one is removed whole.
  const ordered = secrets.filter((s): s is string => !!s && s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = out.split(secret).join("***");
  return out;
}
