/**
 * Secrets never reach logs, errors or the run log: connection strings are shown without passwords,
 * whether the password is in the user part (`user:password@`) or in the query (`?password=`, which
 * the PostgreSQL client honours too).
 */

/** Query parameters of a connection string that hold a secret (`password`, `sslpassword`, ...). */
const SECRET_PARAM = /password/i;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** The query of a connection string, `?a=1&password=x`, with each secret value replaced by `***`. */
function redactQuery(search: string): string {
  if (!search) return search;
  const parts = search
    .slice(1)
    .split("&")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq >= 0 && SECRET_PARAM.test(decode(part.slice(0, eq))) ? `${part.slice(0, eq)}=***` : part;
    });
  return `?${parts.join("&")}`;
}

/** The connection string as it may be shown: every password replaced by `***`. */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = "***";
    const shown = url.toString();
    const queryAt = shown.indexOf("?");
    if (queryAt < 0) return shown;
    const hashAt = shown.indexOf("#", queryAt);
    const search = hashAt < 0 ? shown.slice(queryAt) : shown.slice(queryAt, hashAt);
    return shown.slice(0, queryAt) + redactQuery(search) + (hashAt < 0 ? "" : shown.slice(hashAt));
  } catch {
    return connectionString
      .replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@")
      .replace(/(\b[\w-]*password[\w-]*\s*=\s*)('[^']*'|[^&\s]*)/gi, "$1***");
  }
}

/** Every secret in a connection string (user-part and query passwords, as written and decoded), to scrub from messages. */
export function connectionStringSecrets(connectionString: string): string[] {
  const secrets = new Set<string>();
  const add = (value: string) => {
    if (!value) return;
    secrets.add(value);
    secrets.add(decode(value));
  };
  try {
    const url = new URL(connectionString);
    add(url.password);
    for (const part of url.search.slice(1).split("&")) {
      const eq = part.indexOf("=");
      if (eq >= 0 && SECRET_PARAM.test(decode(part.slice(0, eq)))) add(part.slice(eq + 1));
    }
  } catch {
    add(/\/\/[^:/@]+:([^@]*)@/.exec(connectionString)?.[1] ?? "");
    for (const match of connectionString.matchAll(/\b[\w-]*password[\w-]*\s*=\s*('[^']*'|[^&\s]*)/gi)) {
      add(match[1]!.replace(/^'(.*)'$/, "$1"));
    }
  }
  return [...secrets];
}

/** Removes every occurrence of the given secrets from a message. */
export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  // Longest first, so a secret containing a shorter one is removed whole.
  const ordered = secrets.filter((s): s is string => !!s && s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = out.split(secret).join("***");
  return out;
}
