/**
 * Channel attribution (渠道归因): each period's conversions and their value shared among the channels of the
 * journeys that led to them, under six models side by side — first touch, last touch, linear, position-based
 * (40/20/40), time-decay (half-life from the config) and the first-order (or higher, from the config) Markov removal
 * effect — by the project's attribution engine (pipelines/transform/attribution, where each model is defined).
 *
 * - Journeys: intermediate.int_attribution_journeys (a customer's touches before the first purchase and the order's
 *   channel last; touches of people who have not bought; the paths of a paths file).
 * - One fit per journey source and period (a month, or a paths file's period label): a period's conversions are
 *   shared among that period's channels, so every model's credits add up to the period's observed conversions and
 *   value exactly (the yml's reconcile tests), and a month's figures do not move when a later month arrives.
 * - Markov rows also carry the channel's removal effect (the share of the period's conversion probability lost
 *   without it) and the chain's conversion probability; a period in which nothing converted credits nothing.
 *
 * Like the CLV model, it imports nothing at load time but types: the engine is loaded from the project the runner
 * hands it when the model builds.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Journey } from "../../../pipelines/transform/attribution/index.js";
import type { ModelProject, TypeScriptModel } from "../../../pipelines/transform/typescript-model.js";

type Engine = typeof import("../../../pipelines/transform/attribution/index.js");

/** The project's attribution engine, loaded when the model is built (see ModelProject). */
const ENGINE_MODULE = "pipelines/transform/attribution/index.ts";
const OUTPUT_ROWS = "__channel_attribution_rows";

interface Period {
  readonly journeySource: string;
  readonly period: string;
  readonly month: string | null;
}

/** The journeys of one source and period, as the engine takes them. */
async function readJourneys(connection: DuckDBConnection, period: Period): Promise<Journey[]> {
  const reader = await connection.runAndReadAll(
    `select channels, days_before, conversions, conversion_value, nulls
     from intermediate.int_attribution_journeys
     where journey_source = $source and period = $period`,
    { source: period.journeySource, period: period.period },
  );
  return reader.getRowObjectsJS().map((row) => {
    const channels = (row.channels as unknown[]).map(String);
    const daysBefore = row.days_before === null ? undefined : (row.days_before as unknown[]).map(Number);
    return {
      channels,
      ...(daysBefore ? { daysBefore } : {}),
      conversions: Number(row.conversions),
      value: Number(row.conversion_value),
      nulls: Number(row.nulls),
    };
  });
}

export default {
  grain:
    "one row per journey source, period, channel and attribution model (journey_source, period, channel_id, model)",
  reads: ["intermediate.int_attribution_journeys"],
  async build(connection: DuckDBConnection, target: string, project: ModelProject): Promise<void> {
    const settings = (
      await connection.runAndReadAll("select half_life_days, markov_order from ops.attribution_settings")
    ).getRowObjectsJS()[0];
    if (!settings)
      throw new Error("ops.attribution_settings is empty: the build did not record the attribution settings");
    const halfLifeDays = Number(settings.half_life_days);
    const markovOrder = Number(settings.markov_order) as 1 | 2 | 3;

    const periods = (
      await connection.runAndReadAll(
        `select distinct journey_source, period, strftime(month, '%Y-%m-%d') as month
         from intermediate.int_attribution_journeys order by journey_source, period`,
      )
    )
      .getRowObjectsJS()
      .map((row) => ({
        journeySource: String(row.journey_source),
        period: String(row.period),
        month: row.month === null ? null : String(row.month),
      }));

    await connection.run(`
      create or replace temp table ${OUTPUT_ROWS} (
        journey_source varchar, period varchar, month varchar, channel_id varchar, model varchar,
        attributed_conversions double, attributed_value double, removal_effect double, value_removal_effect double,
        conversion_probability double, observed_conversions double, observed_value double
      )`);
    const engine = await project.importModule<Engine>(ENGINE_MODULE);
    const appender = await connection.createAppender(OUTPUT_ROWS, "main", "temp");
    const appendNullable = (value: number | null | undefined) =>
      value === null || value === undefined ? appender.appendNull() : appender.appendDouble(value);
    try {
      for (const period of periods) {
        const journeys = await readJourneys(connection, period);
        const observedConversions = journeys.reduce((sum, j) => sum + j.conversions, 0);
        const observedValue = journeys.reduce((sum, j) => sum + (j.conversions > 0 ? j.value : 0), 0);
        const { credits, markov } = engine.attribute(journeys, { halfLifeDays, markovOrder });
        for (const credit of credits) {
          const isMarkov = credit.model === "markov";
          appender.appendVarchar(period.journeySource);
          appender.appendVarchar(period.period);
          if (period.month === null) appender.appendNull();
          else appender.appendVarchar(period.month);
          appender.appendVarchar(credit.channel);
          appender.appendVarchar(credit.model);
          appender.appendDouble(credit.conversions);
          appender.appendDouble(credit.value);
          appendNullable(isMarkov ? markov.removalEffects.get(credit.channel) : null);
          appendNullable(isMarkov ? markov.valueRemovalEffects.get(credit.channel) : null);
          appendNullable(isMarkov ? markov.conversionProbability : null);
          appender.appendDouble(observedConversions);
          appender.appendDouble(observedValue);
          appender.endRow();
        }
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }

    await connection.run(`
      create table ${target} as
      select
          journey_source,
          period,
          cast(month as date) as month,
          channel_id,
          model,
          attributed_conversions,
          attributed_value,
          removal_effect,
          value_removal_effect,
          conversion_probability,
          observed_conversions,
          observed_value
      from ${OUTPUT_ROWS}
      order by journey_source, period, model, channel_id;
      drop table ${OUTPUT_ROWS};
      comment on table ${target} is ${`'attribution settings: time-decay half-life ${halfLifeDays} days, Markov order ${markovOrder}'`};
    `);
  },
} satisfies TypeScriptModel;
