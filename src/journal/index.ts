/**
 * `volley/journal`: durable journals for the executor. A journal records each finished outcome
 * under (batch id, call id) before the caller hears of it, so `execute(calls, { batchId })` run
 * again after a crash re-runs only the calls that had not finished.
 *
 * Each journal loads its driver (`better-sqlite3` 12, `pg`) when it is constructed, so either
 * one alone is enough.
 * @module volley/journal
 */
export { SqliteJournal } from "./sqlite-journal.js";
export type { SqliteJournalOptions } from "./sqlite-journal.js";
export { PostgresJournal } from "./postgres-journal.js";
export type { PostgresJournalOptions, PostgresQueryable } from "./postgres-journal.js";
export type { JournalWriteStats } from "./group-commit.js";
export { TRANSIENT_KINDS } from "./codec.js";
export { MemoryJournal } from "../core/index.js";
export type { Journal } from "../core/index.js";
