import { createHash } from "node:crypto";
import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";

/** The part of a LangGraph run config that names where a node runs. */
export interface GraphLocation {
  /** The run config's `configurable`, as LangGraph passes it to a node. */
  readonly configurable?: {
    /** The thread the run belongs to: without one, nothing can be resumed. */
    readonly thread_id?: unknown;
    /** The node's checkpoint namespace (`"parent:<task>|tools:<task>"`). */
    readonly checkpoint_ns?: unknown;
    readonly [key: string]: unknown;
  };
}

/** What identifies a node's batch besides its place in the graph. */
export interface GraphBatchKey {
  /** The id of the AIMessage whose tool calls make the batch: the preferred key. */
  readonly messageId?: string | undefined;
}

/** The keys of a {@link GraphBatchKey}. */
const GRAPH_BATCH_KEY_KEYS = optionKeys<GraphBatchKey>()(["messageId"]);

/**
 * The deterministic batch id of a graph node's tool calls, for a journal: the same thread, the
 * same node (its checkpoint namespace without task ids) and the same AIMessage id, or failing
 * that the same calls, give the same id. Resuming a thread (`graph.invoke(null, config)`) or
 * invoking it again with the same calls therefore replays the journaled outcomes instead of
 * running the tools again. Without a `thread_id` nothing can be resumed, and it returns
 * `undefined` (the executor then makes a random id).
 * @param config The node's run config (`config.configurable.thread_id`, `checkpoint_ns`).
 * @param calls The pending calls: hashed (ids, names, args) when no message id is given.
 * @example
 * const batchId = graphBatchId(config, aiMessage.tool_calls, { messageId: aiMessage.id });
 * // "lg:thread-1:tools:m:run-42"
 */
export function graphBatchId(
  config: GraphLocation | undefined,
  calls: readonly unknown[],
  key: GraphBatchKey = {},
): string | undefined {
  if (typeof key !== "object" || key === null) {
    throw new TypeError(
      `Expected graphBatchId's key to be { messageId }, got ${describeValue(key)}`,
    );
  }
  assertKnownKeys("graphBatchId", key, GRAPH_BATCH_KEY_KEYS);
  const thread = config?.configurable?.thread_id;
  if ((typeof thread !== "string" && typeof thread !== "number") || thread === "") return undefined;
  const ns = nodePath(config?.configurable?.checkpoint_ns);
  const which =
    typeof key.messageId === "string" && key.messageId.length > 0
      ? `m:${key.messageId}`
      : `h:${hashCalls(calls)}`;
  return `lg:${String(thread)}:${ns}:${which}`;
}

/**
 * The node's path in the graph: the checkpoint namespace without its task ids
 * (`"parent:<task>|tools:<task>"` → `"parent|tools"`). Task ids change with every step, while a
 * batch must keep its id across the steps that resume it.
 */
function nodePath(ns: unknown): string {
  if (typeof ns !== "string" || ns === "") return "";
  return ns
    .split("|")
    .map((segment) => {
      const at = segment.indexOf(":");
      return at < 0 ? segment : segment.slice(0, at);
    })
    .join("|");
}

/**
 * A stable hash of the calls: canonical JSON (sorted keys) of their ids, names and args, in a
 * sorted order, so the same calls in another order (a planner node that re-ran) keep the id: a
 * journal replays by call id, not by position. One call hashes as `[call]`.
 */
function hashCalls(calls: readonly unknown[]): string {
  const hash = createHash("sha256");
  hash.update(
    `[${calls
      .map((call) => canonicalJson(call))
      .sort()
      .join(",")}]`,
  );
  return hash.digest("hex").slice(0, 32);
}

/**
 * Canonical JSON: sorted keys, `toJSON()` honoured (a Date hashes by its time). What JSON cannot
 * carry still hashes, rather than failing the node: a BigInt, a Map or a Set by its contents, and
 * a cycle as the `"[Circular]"` that LangGraph's checkpoint serializer writes in its place, so
 * the calls read back from a checkpoint on resume hash as they did before the crash.
 */
function canonicalJson(value: unknown, path: object[] = []): string {
  if (typeof value === "bigint") return `{"$bigint":"${value.toString()}"}`;
  if (value === null || typeof value !== "object") {
    const json = JSON.stringify(value);
    return json === undefined ? "null" : json;
  }
  if (path.includes(value)) return '"[Circular]"';
  path.push(value);
  try {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      const json: unknown = toJSON.call(value);
      if (json !== value) return canonicalJson(json, path);
    }
    if (Array.isArray(value))
      return `[${value.map((item) => canonicalJson(item, path)).join(",")}]`;
    if (value instanceof Map) return `{"$map":${canonicalJson([...value.entries()], path)}}`;
    if (value instanceof Set) return `{"$set":${canonicalJson([...value], path)}}`;
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k], path)}`);
    return `{${entries.join(",")}}`;
  } finally {
    path.pop();
  }
}
