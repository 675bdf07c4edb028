import type { BaseStore, Item, PutOperation } from "@langchain/langgraph";
import type { ErrorKind, Journal, Outcome } from "../core/index.js";
import { describeValue } from "../core/describe-value.js";
import { assertKnownKeys, optionKeys } from "../core/validate-options.js";
import {
  checkBatchId,
  checkTransientKinds,
  checkPositiveInteger,
  decodeOutcome,
} from "../journal/codec.js";
import { GroupCommitter, type JournalWriteStats } from "../journal/group-commit.js";

/** Options of {@link StoreJournal}. */
export interface StoreJournalOptions {
  /**
   * Error kinds that describe the run rather than the call, and are not recorded: resuming the
   * batch runs those calls again. `[]` records every outcome.
   * @default ["cancelled", "deadline", "rejected"]
   */
  readonly transientKinds?: readonly ErrorKind[];
  /**
   * The namespace under which each batch gets a namespace of its own (`[...namespace, batchId]`,
   * the batch id escaped: letters, digits and `-` kept, any other character as `~XX`). Its
   * labels must suit the store: none may hold `.` or `:`, nor, for `PostgresStore`, `%`, `_`
   * or `\`.
   * @default ["volley", "journal"]
   */
  readonly namespace?: readonly string[];
  /**
   * The most outcomes one `store.batch()` call writes. Outcomes that finish in the same turn of
   * the event loop, or while a write is in flight, share one call.
   * @default 500
   */
  readonly maxBatchSize?: number;
  /**
   * How many items one `store.search()` page reads when loading a batch.
   * @default 1000
   */
  readonly pageSize?: number;
}

/** The keys of {@link StoreJournalOptions}. */
const STORE_JOURNAL_KEYS = optionKeys<StoreJournalOptions>()([
  "transientKinds",
  "namespace",
  "maxBatchSize",
  "pageSize",
]);

/**
 * A {@link Journal} on LangGraph's `BaseStore` (the graph's `store`: `InMemoryStore`,
 * `PostgresStore`, the platform's store). Each outcome is an item: namespace
 * `[...namespace, batchId]`, key the call id, value the outcome as plain JSON.
 *
 * @example
 * ```ts
 * const store = new InMemoryStore();
 * const journal = new StoreJournal(store);
 * const graph = builder.compile({ checkpointer, store });
 * ```
 */
export class StoreJournal implements Journal {
  /** The store the journal writes to. */
  readonly store: BaseStore;
  /** The namespace under which each batch has its own. */
  readonly namespace: readonly string[];
  readonly #pageSize: number;
  readonly #committer: GroupCommitter;
  readonly #transient: ReadonlySet<ErrorKind>;

  /**
   * Makes the journal on a store; it writes nothing until the first outcome.
   * @param store The graph's store (`InMemoryStore`, `PostgresStore`, …).
   * @param options See {@link StoreJournalOptions}.
   * @throws TypeError for a store without `batch()` and `search()`, or a bad or unknown option.
   */
  constructor(store: BaseStore, options: StoreJournalOptions = {}) {
    if (
      typeof store !== "object" ||
      store === null ||
      typeof (store as { batch?: unknown }).batch !== "function" ||
      typeof (store as { search?: unknown }).search !== "function"
    ) {
      throw new TypeError(
        `Expected store to be a LangGraph BaseStore (with batch() and search()), got ${describeValue(store)}`,
      );
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Expected StoreJournal options to be an object, got ${describeValue(options)}`,
      );
    }
    assertKnownKeys("StoreJournal", options, STORE_JOURNAL_KEYS);
    const namespace = options.namespace ?? ["volley", "journal"];
    if (
      !Array.isArray(namespace) ||
      namespace.length === 0 ||
      !namespace.every((l) => typeof l === "string" && l.length > 0 && !/[.:\0]/.test(l))
    ) {
      throw new TypeError(
        `Expected namespace to be a non-empty array of labels without ".", ":" or NUL, got ${describeValue(namespace)}`,
      );
    }
    this.store = store;
    this.namespace = Object.freeze([...namespace]);
    this.#transient = checkTransientKinds(options.transientKinds);
    this.#pageSize = checkPositiveInteger("pageSize", options.pageSize ?? 1000);
    this.#committer = new GroupCommitter(
      async (rows) => {
        const ops: PutOperation[] = rows.map((row) => ({
          namespace: this.#namespaceOf(row.batchId),
          key: row.callId,
          value: JSON.parse(row.text) as Record<string, unknown>,
          index: false,
        }));
        await this.store.batch(ops);
      },
      checkPositiveInteger("maxBatchSize", options.maxBatchSize ?? 500),
    );
  }

  /** The outcomes recorded for `batchId` (including those still waiting for their write). */
  async load(batchId: string): Promise<Outcome[]> {
    checkBatchId(batchId);
    const stored: Array<Outcome | undefined> = [];
    for await (const item of this.#items(batchId)) {
      const outcome = decodeOutcome(item.value);
      stored.push(outcome !== undefined && outcome.id === item.key ? outcome : undefined);
    }
    return this.#committer.gather("StoreJournal", batchId, stored);
  }

  /**
   * Records one outcome; resolves once the store has written it. A store's `put` overwrites, so
   * the executor's rule (one outcome per call, never re-run once journaled) is what keeps the
   * first outcome here.
   */
  record(batchId: string, outcome: Outcome): Promise<void> {
    checkBatchId(batchId);
    return this.#committer.record(batchId, outcome, this.#transient);
  }

  /** Forgets a batch: deletes its items. */
  async delete(batchId: string): Promise<void> {
    checkBatchId(batchId);
    await this.#committer.flush();
    const namespace = this.#namespaceOf(batchId);
    const keys: string[] = [];
    for await (const item of this.#items(batchId)) keys.push(item.key);
    for (let i = 0; i < keys.length; i += this.#pageSize) {
      const page = keys.slice(i, i + this.#pageSize);
      await this.store.batch(page.map((key) => ({ namespace, key, value: null })));
    }
  }

  /** Writes every waiting outcome now. */
  flush(): Promise<void> {
    return this.#committer.flush();
  }

  /** Write counters: outcomes recorded, `store.batch()` calls, outcomes waiting. */
  stats(): JournalWriteStats {
    return this.#committer.stats();
  }

  #namespaceOf(batchId: string): string[] {
    return [...this.namespace, labelOf(batchId)];
  }

  /**
   * The batch's own items, page by page. A store's search matches a namespace prefix, and some
   * match it as a string (PostgresStore: batch "order-4" would find "order-42"'s items), so only
   * items whose namespace is exactly the batch's count.
   */
  async *#items(batchId: string): AsyncGenerator<Item> {
    const namespace = this.#namespaceOf(batchId);
    for (let offset = 0; ; offset += this.#pageSize) {
      const items = await this.store.search(namespace, { limit: this.#pageSize, offset });
      for (const item of items) if (sameNamespace(item.namespace, namespace)) yield item;
      if (items.length < this.#pageSize) return;
    }
  }
}

function sameNamespace(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label, i) => label === b[i]);
}

/**
 * A batch id as a namespace label every store accepts. Stores refuse "." and ":" (graph batch
 * ids have both), NUL, and PostgresStore also "%", "_" and "\" (SQL LIKE wildcards): letters,
 * digits and "-" stay, any other UTF-16 unit becomes `~XX` (below 0x100) or `~uXXXX`, so that
 * two batch ids never share a label, lone surrogates included.
 */
function labelOf(batchId: string): string {
  return batchId.replace(/[^A-Za-z0-9-]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100
      ? `~${code.toString(16).toUpperCase().padStart(2, "0")}`
      : `~u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  });
}
