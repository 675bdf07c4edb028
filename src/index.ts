/**
 * Volley: run the tool calls of LLM agents in parallel, bounded, cancellable, retried and
 * observable. This entry point is the core; integrations are subpath exports
 * (`volley/langgraph`, `volley/threads`, `volley/metrics`, …).
 * @module volley
 */
export * from "./core/index.js";
