// Connection strings are shown (run output, meta.loads, errors) with every password replaced, whatever characters the
// password holds and whether or not the string parses as a URL.
import { describe, expect, it } from "vitest";
import { connectionStringSecrets, redactConnectionString, redactSecrets } from "../../pipelines/shared/redact.js";

/**
 * Passwords built from distinctive three-letter tokens joined by the characters that break URL parsing, so any
 * fragment that survives redaction is recognisable.
 */
const HOSTILE_PASSWORDS = [
  "Zq7#Kx9-Wm4",
  "Zq7@Kx9",
  "Zq7@Kx9@Wm4",
  "Zq7/Kx9",
  "Zq7?Kx9=Wm4",
  "Zq7:Kx9:Wm4",
  "Zq7 Kx9 Wm4",
  "Zq7%Kx9%2",
  "Zq7%40Kx9",
  "Zq7&Kx9=Wm4",
  "Zq7#Kx9@Wm4/Pv2?Rt5:Ys8 Hn3%Lb6",
  "Zqü7漢字Kx9",
  "Zq7'Kx9\"Wm4",
  "Zq7\\Kx9",
  "@Zq7#",
  "Zq7@",
];

/** The pieces of a password between its punctuation: none of them may show. */
function fragments(password: string): string[] {
  return password.split(/[^\p{L}\p{N}]+/u).filter((piece) => piece.length >= 2);
}

function expectNoFragment(shown: string, password: string): void {
  for (const piece of fragments(password)) expect(shown, `${piece} of ${password}`).not.toContain(piece);
}

describe("redactConnectionString", () => {
  it("the security review's case: an unencoded # leaves nothing of the password", () => {
    const shown = redactConnectionString("postgres://reader:p@ss#word-xyz@host/db");
    expect(shown).toBe("postgres://reader:***@host/db");
  });

  it("hides every hostile password in the user part, written as is or percent-encoded", () => {
    for (const password of HOSTILE_PASSWORDS) {
      for (const written of [password, encodeURIComponent(password)]) {
        for (const [input, expected] of [
          [`postgres://reader:${written}@db.internal:5432/erp`, "postgres://reader:***@db.internal:5432/erp"],
          [
            `postgresql://reader:${written}@db.internal/erp?sslmode=require`,
            "postgresql://reader:***@db.internal/erp?sslmode=require",
          ],
          [`postgres://:${written}@db.internal/erp`, "postgres://:***@db.internal/erp"],
        ] as const) {
          const shown = redactConnectionString(input);
          expect(shown, input).toBe(expected);
          expectNoFragment(shown, password);
        }
      }
    }
  });

  it("hides every hostile password given in the query (?password=), even one with an unencoded & or #", () => {
    for (const password of HOSTILE_PASSWORDS) {
      for (const written of [password, encodeURIComponent(password)]) {
        const shown = redactConnectionString(
          `postgres://reader@db.internal:5432/erp?sslmode=require&password=${written}&application_name=wh`,
        );
        expectNoFragment(shown, password);
        expect(shown, written).toMatch(/^postgres:\/\/reader@db\.internal:5432\/erp\?sslmode=require&password=\*\*\*/);
      }
    }
  });

  it("hides the password of a libpq keyword string, quoted or not", () => {
    for (const password of HOSTILE_PASSWORDS.filter((p) => !/[\s'\\]/.test(p))) {
      const shown = redactConnectionString(`host=db.internal password=${password} dbname=erp`);
      expect(shown, password).toBe("host=db.internal password=*** dbname=erp");
    }
    const quoted = redactConnectionString("host=db.internal password='Zq7 Kx9\\'Wm4' user=reader");
    expect(quoted).toBe("host=db.internal password=*** user=reader");
    expect(redactConnectionString("not a url password=abcd1234 host=x")).toBe("not a url password=*** host=x");
  });

  it("hides the user part of strings that are not URLs at all, and leaves a string without secrets alone", () => {
    expect(redactConnectionString("reader:Zq7#Kx9@db.internal/erp")).toBe("***@db.internal/erp");
    expect(redactConnectionString("postgres://reader:Zq7#Kx9@")).toBe("postgres://reader:***@");
    expect(redactConnectionString("postgres://we!rd user:Zq7@Kx9@db/erp")).toBe("postgres://***@db/erp");
    expect(redactConnectionString("postgres://db.internal:5432/erp")).toBe("postgres://db.internal:5432/erp");
    expect(redactConnectionString("postgres://reader@db.internal/erp")).toBe("postgres://reader@db.internal/erp");
  });
});

describe("connectionStringSecrets", () => {
  it("lists the whole password as written and decoded, so messages can be scrubbed of it", () => {
    for (const password of HOSTILE_PASSWORDS) {
      const secrets = connectionStringSecrets(`postgres://reader:${encodeURIComponent(password)}@db/erp`);
      expect(secrets, password).toContain(password);
      const raw = connectionStringSecrets(`postgres://reader:${password}@db/erp`);
      expect(raw, password).toContain(password);
      const message = `could not log in with ${password} to db`;
      expectNoFragment(redactSecrets(message, raw), password);
    }
  });
});
