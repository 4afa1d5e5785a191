/**
 * The CRM (REST API, paged JSON): customers and every touchpoint the company records about them.
 * Customer records carry personal data (name, email, phone, address): it lands in raw and stays
 * in the warehouse; nothing a report reads may carry it (see models/marts).
 */
import type { TableSpec } from "./column-spec.js";

const updatedAt = { name: "updated_at", type: "timestamp" } as const;

export const AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55+"] as const;
export const INDUSTRIES = [
  "manufacturing",
  "retail",
  "hospitality",
  "healthcare",
  "education",
  "construction",
  "logistics",
] as const;

export const customers: TableSpec = {
  name: "customers",
  whenAbsent:
    "needed as soon as orders name a customer_id (an order naming a customer missing here is kept and warned about; more than 1% of them stops the publish); a shop with only guest checkouts can leave it out",
  description: "Consumers and business customers, with segment attributes and contact details (personal data).",
  primaryKey: ["customer_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "customer_id", type: "text" },
    {
      name: "customer_type",
      type: "text",
      values: ["consumer", "business"],
      nullable: true,
      whenMissing: "the customer counts as a consumer",
    },
    { name: "name", type: "text", nullable: true, whenMissing: "nothing: names are personal data no page shows" },
    { name: "email", type: "text", nullable: true },
    { name: "phone", type: "text", nullable: true },
    { name: "address", type: "text", nullable: true },
    { name: "region_id", type: "text" },
    { name: "industry", type: "text", nullable: true, values: INDUSTRIES },
    { name: "age_band", type: "text", nullable: true, values: AGE_BANDS },
    { name: "acquisition_channel_id", type: "text", nullable: true },
    { name: "referred_by_customer_id", type: "text", nullable: true },
    {
      name: "created_at",
      type: "timestamp",
      nullable: true,
      whenMissing: "the customer counts as acquired at their first order",
    },
    updatedAt,
  ],
};

export const interactions: TableSpec = {
  name: "interactions",
  whenAbsent: "no interaction signals in churn reasons",
  description: "CRM interactions: calls, visits, messages, events.",
  primaryKey: ["interaction_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "interaction_id", type: "text" },
    { name: "customer_id", type: "text" },
    { name: "occurred_at", type: "timestamp" },
    { name: "interaction_type", type: "text", values: ["call", "visit", "email", "wechat", "event"] },
    { name: "channel_id", type: "text", nullable: true },
    { name: "outcome", type: "text", values: ["positive", "neutral", "negative"] },
    updatedAt,
  ],
};

export const tickets: TableSpec = {
  name: "tickets",
  whenAbsent: "no service-ticket signals in churn reasons",
  description: "Service tickets (complaints, questions) and how they were resolved.",
  primaryKey: ["ticket_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "ticket_id", type: "text" },
    { name: "customer_id", type: "text" },
    { name: "opened_at", type: "timestamp" },
    { name: "closed_at", type: "timestamp", nullable: true },
    { name: "category", type: "text", values: ["delivery", "quality", "price", "service", "other"] },
    { name: "priority", type: "text", values: ["low", "normal", "high"] },
    { name: "status", type: "text", values: ["open", "resolved", "closed"] },
    updatedAt,
  ],
};

export const surveys: TableSpec = {
  name: "surveys",
  whenAbsent: "no satisfaction, NPS or referral figures",
  description: "Survey answers: satisfaction (1-5) and likelihood to recommend (NPS, 0-10).",
  primaryKey: ["survey_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "survey_id", type: "text" },
    { name: "customer_id", type: "text" },
    { name: "answered_at", type: "timestamp" },
    { name: "channel_id", type: "text", nullable: true },
    { name: "satisfaction_score", type: "integer" },
    { name: "nps_score", type: "integer" },
    updatedAt,
  ],
};

export const leads: TableSpec = {
  name: "leads",
  whenAbsent: "no lead conversion per region and channel",
  description: "Leads and enquiries by region and source channel, and whether they became customers.",
  primaryKey: ["lead_id"],
  cursorColumn: "updated_at",
  columns: [
    { name: "lead_id", type: "text" },
    { name: "region_id", type: "text" },
    { name: "channel_id", type: "text", nullable: true },
    { name: "created_at", type: "timestamp" },
    { name: "status", type: "text", values: ["new", "qualified", "converted", "lost"] },
    { name: "converted_customer_id", type: "text", nullable: true },
    updatedAt,
  ],
};

export const TOUCH_TYPES = ["impression", "click", "visit", "enquiry"] as const;

/**
 * Marketing touches: each time a person met a channel before buying (saw an ad or a video, clicked, visited a shop,
 * asked a question), and the touches of people who never bought. They are the journeys the attribution marts share a
 * first purchase's credit along. A CRM that does not serve this entity answers 404 and the warehouse goes on without
 * it (attribution then rests on the order channel alone, or on a paths file: see touch-paths.ts).
 */
export const touches: TableSpec = {
  name: "touches",
  whenAbsent: "no attribution from CRM touches (a paths file can still feed it)",
  description:
    "Marketing touches per person and channel (impression, click, visit, enquiry), with time; of customers and of prospects who never bought.",
  primaryKey: ["touch_id"],
  cursorColumn: "updated_at",
  optional: true,
  columns: [
    { name: "touch_id", type: "text" },
    /** The person as the touching system knows them: a device, cookie, lead or member id. */
    { name: "visitor_id", type: "text" },
    /** The CRM customer, once known: every touch of a visitor any of whose touches names a customer is that customer's. */
    { name: "customer_id", type: "text", nullable: true },
    { name: "channel_id", type: "text" },
    { name: "touch_type", type: "text", values: TOUCH_TYPES },
    { name: "occurred_at", type: "timestamp" },
    updatedAt,
  ],
};

/** The CRM's endpoints, each serving one entity as paged JSON at `/api/v1/<name>`. */
export const crmTables: readonly TableSpec[] = [customers, interactions, tickets, surveys, leads, touches];
