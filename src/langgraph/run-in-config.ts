import { coreSingletons } from "./peers.js";

/** Where `@langchain/core` keeps the current run config in its async-context store. */
const CHILD_CONFIG = Symbol.for("lc:child_config");

/** The part of a run config that says which run it belongs to. */
interface RunConfigLike {
  readonly callbacks?: unknown;
  readonly configurable?: Record<string, unknown>;
}

/**
 * Runs `fn` with `config` as LangChain's current run config, so that `interrupt()`,
 * `getConfig()` and LangChain runnables called in it see it. `runWithConfig` builds a new
 * LangSmith `RunTree` each time (tens of microseconds, most of a small tool call's overhead);
 * when the current store belongs to the same run (the node's own, with the same callbacks,
 * thread and namespace), a child of that store carrying `config` does the same for almost
 * nothing, and keeps tracing nested under the node's run. Otherwise (no store, another run's
 * store, a shape this does not know), it is `runWithConfig`.
 */
export function runInConfig<T>(config: RunConfigLike, fn: () => T): T {
  const singleton = coreSingletons.AsyncLocalStorageProviderSingleton;
  const storage = singleton.getInstance();
  const store: unknown = storage.getStore();
  if (typeof store === "object" && store !== null) {
    const extra: unknown = (store as { extra?: unknown }).extra;
    const current =
      typeof extra === "object" && extra !== null
        ? (extra as Record<symbol, unknown>)[CHILD_CONFIG]
        : undefined;
    if (sameRun(current, config)) {
      const child = Object.create(store) as { extra: unknown };
      child.extra = { ...(extra as object), [CHILD_CONFIG]: config };
      return storage.run(child, fn);
    }
  }
  return singleton.runWithConfig(config, fn);
}

function sameRun(current: unknown, config: RunConfigLike): boolean {
  if (typeof current !== "object" || current === null) return false;
  const other = current as RunConfigLike;
  return (
    other.callbacks === config.callbacks &&
    other.configurable?.["thread_id"] === config.configurable?.["thread_id"] &&
    other.configurable?.["checkpoint_ns"] === config.configurable?.["checkpoint_ns"]
  );
}
