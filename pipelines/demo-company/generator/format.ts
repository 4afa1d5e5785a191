/** Money is carried as integer cents everywhere, so sums and `quantity * unit_price - discount` are exact. */
export function money(cents: number): string {
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs - whole * 100;
  return `${negative ? "-" : ""}${whole}.${frac < 10 ? "0" : ""}${frac}`;
}

/** Cents as a JSON number with two decimals' worth of precision (for the manifest). */
export function moneyNumber(cents: number): number {
  return Number(money(cents));
}

/** A rate as a short decimal string (fees, commissions). */
export function rate(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}

const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | null): string {
  if (value === null) return "";
  // An empty string must not read back as NULL.
  if (value === "") return '""';
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: readonly (string | null)[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    out += csvCell(values[i] as string | null);
  }
  return `${out}\n`;
}
