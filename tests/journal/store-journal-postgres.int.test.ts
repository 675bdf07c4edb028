import { PostgresStore } from "@langchain/langgraph-checkpoint-postgres/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../../src/index.js";
import { StoreJournal } from "../../src/langgraph/index.js";
import { postgresMissing, startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const missing = postgresMissing();
if (missing !== undefined && process.env.CI !== "true") {
  console.warn(`Skipping the StoreJournal-on-PostgresStore tests: ${missing}`);
}

function ok(id: string, value: unknown): Outcome {
  return {
    id,
    index: 0,
    name: "read",
    status: "ok",
    value,
    startedAt: 1,
    durationMs: 2,
    attempts: 1,
  };
}

// With CI=true a missing server is not a reason to skip: startPostgres() throws and the suite fails.
describe.skipIf(missing !== undefined && process.env.CI !== "true")(
  "StoreJournal on LangGraph's PostgresStore",
  () => {
    let server: PostgresServer;
    let store: PostgresStore;
    beforeAll(async () => {
      server = await startPostgres();
      store = PostgresStore.fromConnString(server.connectionString);
      await store.setup();
    });
    afterAll(async () => {
      await store?.stop();
      await server?.stop();
    });

    it("journals and resumes graph batch ids, whose ':' and '_' PostgresStore refuses in labels", async () => {
      const journal = new StoreJournal(store);
      const batchId = "lg:thread_1:agent|tools:m:run-42";
      await journal.record(batchId, ok("a", "first"));
      await journal.record(batchId, ok("b", "second"));
      expect((await journal.load(batchId)).map((o) => o.id).sort()).toEqual(["a", "b"]);
      expect(await journal.load("lg:thread_1:agent|tools:m:run-43")).toEqual([]);
      await journal.delete(batchId);
      expect(await journal.load(batchId)).toEqual([]);
    });

    it("never loads another batch whose id starts with this one's (order-4 and order-42)", async () => {
      const journal = new StoreJournal(store, { pageSize: 2 });
      await Promise.all([
        journal.record("order-42", ok("charge", "charged order 42")),
        journal.record("order-42", ok("ship", "shipped order 42")),
        journal.record("order-42", ok("mail", "mailed order 42")),
        journal.record("order-4", ok("fetch", "fetched order 4")),
      ]);
      expect((await journal.load("order-4")).map((o) => o.id)).toEqual(["fetch"]);
      expect(await journal.load("order-")).toEqual([]);
      await journal.delete("order-4");
      expect(await journal.load("order-4")).toEqual([]);
      expect((await journal.load("order-42")).map((o) => o.id).sort()).toEqual([
        "charge",
        "mail",
        "ship",
      ]);
      await journal.delete("order-42");
      expect(await journal.load("order-42")).toEqual([]);
    });

    it("fails only the outcome jsonb refuses (a NUL, half an emoji), not the rest of its write", async () => {
      const journal = new StoreJournal(store);
      // A tool that truncates its text can cut a surrogate pair in half.
      const truncated = "page text 😀".slice(0, -1);
      const settled = await Promise.allSettled([
        journal.record("b1", ok("a", "fine")),
        journal.record("b1", ok("nul", "binary \u0000 text")),
        journal.record("b1", ok("half", truncated)),
        journal.record("b2", ok("c", "another batch")),
      ]);
      expect(settled.map((s) => s.status)).toEqual([
        "fulfilled",
        "rejected",
        "rejected",
        "fulfilled",
      ]);
      expect((await journal.load("b1")).map((o) => o.id)).toEqual(["a"]);
      expect((await journal.load("b2")).map((o) => o.id)).toEqual(["c"]);
    });
  },
);
