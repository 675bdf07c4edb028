/**
 * `volley/bullmq`: scale out on BullMQ. A caller's executor sends each attempt to its tool's
 * queue (Redis, or BullMQ's Postgres backend); workers on any number of machines run them with
 * the tools' timeouts, signals and isolation, and answer through the queue's events.
 * @example
 * // caller
 * const executor = createExecutor({
 *   tools,
 *   backend: bullmqBackend({ connection: "redis://127.0.0.1:6379", queue: "tools" }),
 * });
 * // each worker machine
 * const worker = await startWorker({ connection: "redis://127.0.0.1:6379", queue: "tools", tools });
 * // the cluster's dashboard
 * const dashboard = await attachDashboard(await clusterSource({ connection, queue: "tools" }), { port: 4317 });
 * @module volley/bullmq
 */
export { BullmqBackend, bullmqBackend } from "./bullmq-backend.js";
export type { BullmqBackendOptions, BullmqBackendStats } from "./bullmq-backend.js";
export { startWorker } from "./start-worker.js";
export type {
  StartWorkerOptions,
  VolleyWorker,
  VolleyWorkerStats,
  WorkerCloseOptions,
} from "./start-worker.js";
export { clusterSource } from "./cluster-source.js";
export type {
  ClusterEvents,
  ClusterSource,
  ClusterSourceOptions,
  ClusterWorker,
} from "./cluster-source.js";
export { remoteTools } from "./remote-tools.js";
export type { RemoteToolSpec } from "./remote-tools.js";
export { redactUrl } from "./connection.js";
export type { BullmqConnection } from "./connection.js";
export type { WorkerAnnouncement } from "./protocol.js";
