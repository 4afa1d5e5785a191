/**
 * Customer journeys summarised as paths, in the format of the ChannelAttribution package (R and Python): one row
 * per distinct path of channels, `A > B > C`, with how many journeys along it converted, their value, and how many
 * did not. A company whose touches are not in its CRM (an analytics tool's export, say) brings them this way, as
 * CSV files in a folder (`sources.touch_paths.dir`); the attribution marts read them beside the CRM's touches.
 */
import type { TableSpec } from "./column-spec.js";

export const touchPaths: TableSpec = {
  name: "touch_paths",
  description:
    "Journeys as paths of channels (ChannelAttribution format: path `A > B > C`, total_conversions, total_conversion_value, total_null), optionally per period.",
  primaryKey: ["period", "path"],
  columns: [
    /**
     * What the row's journeys cover: a month as YYYY-MM (their conversions, or their last touch when none
     * converted) or any label (e.g. 2026-H1). Empty (or a file without the column): one period covering the file.
     */
    { name: "period", type: "text", nullable: true, identifier: true, example: "2026-01" },
    /** Channel ids (or names) separated by `>`, oldest first; spaces around `>` are ignored. */
    { name: "path", type: "text", identifier: false, example: "CHANNEL-002 > CHANNEL-001" },
    { name: "total_conversions", type: "double", example: "12" },
    { name: "total_conversion_value", type: "double", nullable: true, example: "3840.00" },
    { name: "total_null", type: "double", nullable: true, example: "150" },
  ],
};
