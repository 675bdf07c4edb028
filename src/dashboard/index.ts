/**
 * `volley/dashboard`: a live web dashboard of an executor, on node:http with server-sent events.
 * @example
 * import { attachDashboard } from "volley/dashboard";
 * const dashboard = await attachDashboard(executor, { port: 4317 });
 * console.log(dashboard.url);
 * @module volley/dashboard
 */
export { attachDashboard } from "./server.js";
export type { Dashboard } from "./server.js";
export type { DashboardOptions, MetricsRegistry } from "./options.js";
export type { DashboardSource } from "./state.js";
export type {
  BatchRecord,
  CallRecord,
  CallStatus,
  DashboardUpdate,
  InFlightRecord,
  ProgressRecord,
  IncidentRecord,
  RetriedAttempt,
  ToolRecord,
  TotalsRecord,
} from "./wire.js";
