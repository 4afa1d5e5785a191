/**
 * The table contracts expressed as SQL, for sources DuckDB reads itself (CSV, spreadsheets): one
 * pass computes, per row, every way it breaks the contract. Same rules as the zod validators in
 * contracts/column-spec.ts, so a record is judged the same whichever path it takes.
 *
 * Rows are text columns named after the contract, plus `__missing`: a comma-separated list of the
 * contract columns the row's file did not have (their values are null).
 */
import { duckdbTypeOf, type ColumnSpec, type TableSpec } from "../contracts/column-spec.js";
import { quoteIdent, quoteLiteral } from "../warehouse/duckdb.js";

/** `nullif(trim(col), '')`: blank cells are missing values. */
function cleaned(column: string): string {
  return `nullif(trim(${quoteIdent(column)}), '')`;
}

function checkColumn(column: ColumnSpec): string[] {
  const name = column.name;
  const v = cleaned(name);
  const checks: string[] = [];
  if (!column.nullable) {
    checks.push(
      `case when list_contains(string_split(__missing, ','), ${quoteLiteral(name)}) then ${quoteLiteral(`${name}: column missing from file`)}
            when ${v} is null then ${quoteLiteral(`${name}: required`)} end`,
    );
  }
  if (column.type !== "text") {
    const castType = column.type === "integer" || column.type === "bigint" ? "BIGINT" : duckdbTypeOf[column.type];
    const cast = column.type === "money" ? `try_cast(${v} as DOUBLE)` : `try_cast(${v} as ${castType})`;
    checks.push(
      `case when ${v} is not null and ${cast} is null then ${quoteLiteral(`${name}: not a ${column.type}`)} || ' (' || left(${v}, 40) || ')' end`,
    );
    if (column.type === "money") {
      checks.push(
        `case when ${cast} is not null and abs(${cast} * 100 - round(${cast} * 100)) > 1e-6 then ${quoteLiteral(`${name}: money with more than 2 decimals`)} end`,
      );
    }
  }
  if (column.values) {
    const list = column.values.map(quoteLiteral).join(", ");
    checks.push(
      `case when ${v} is not null and ${v} not in (${list}) then ${quoteLiteral(`${name}: not one of ${column.values.join(", ")}`)} end`,
    );
  }
  return checks;
}

/** An SQL expression giving the reasons a row breaks the contract, '' when it does not. */
export function rejectionReasonSql(table: TableSpec): string {
  const checks = table.columns.flatMap(checkColumn);
  return checks.length ? `concat_ws('; ', ${checks.join(", ")})` : "''";
}

/** The select list casting a validated row to the table's types. */
export function typedSelectSql(table: TableSpec): string {
  return table.columns
    .map((c) => `cast(${cleaned(c.name)} as ${duckdbTypeOf[c.type]}) as ${quoteIdent(c.name)}`)
    .join(", ");
}
