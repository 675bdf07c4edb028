import { END, START, StateGraph } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createExecutor, defineTool } from "../../src/index.js";
import { PostgresJournal } from "../../src/journal/index.js";
import { ParallelToolState, parallelToolNode } from "../../src/langgraph/index.js";
import { postgresMissing, startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const missing = postgresMissing();

// With CI=true a missing server is not a reason to skip: startPostgres() throws and the suite fails.
describe.skipIf(missing !== undefined && process.env.CI !== "true")(
  "PostgresSaver checkpointer + PostgresJournal",
  () => {
    let server: PostgresServer;
    let pool: pg.Pool;
    beforeAll(async () => {
      server = await startPostgres();
      pool = new pg.Pool({ connectionString: server.connectionString, max: 4 });
    });
    afterAll(async () => {
      await pool?.end();
      await server?.stop();
    });

    it("resumes an aborted step with graph.invoke(null, config): finished calls are replayed", async () => {
      const runs: string[] = [];
      let hang = true;
      const work = defineTool({
        name: "work",
        description: "does some work",
        schema: z.object({ item: z.string(), slow: z.boolean() }),
        run: async ({ item, slow }, { signal }) => {
          runs.push(item);
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, slow && hang ? 60_000 : 10);
            signal.addEventListener("abort", () => {
              clearTimeout(timer);
              reject(signal.reason);
            });
          });
          return `did ${item}`;
        },
      });
      const journal = new PostgresJournal({ pool });
      const executor = createExecutor({ tools: [work], journal });
      const checkpointer = new PostgresSaver(pool);
      await checkpointer.setup();
      const graph = new StateGraph(ParallelToolState)
        .addNode("tools", parallelToolNode(executor))
        .addEdge(START, "tools")
        .addEdge("tools", END)
        .compile({ checkpointer });

      const controller = new AbortController();
      let finished = 0;
      const off = executor.on("call:finished", () => {
        if (++finished === 2) controller.abort(new Error("operator pressed stop"));
      });
      const config = { configurable: { thread_id: "pg-thread" } };
      const calls = ["a", "b", "c", "d", "e"].map((item, i) => ({
        id: `call_${item}`,
        name: "work",
        args: { item, slow: i >= 2 },
      }));
      await expect(
        graph.invoke(
          { pending_tools: calls },
          // "sync": the checkpoint before the tool step is written before the tools start.
          { ...config, signal: controller.signal, durability: "sync" },
        ),
      ).rejects.toThrow();
      off();
      expect(runs.sort()).toEqual(["a", "b", "c", "d", "e"]);
      expect((await graph.getState(config)).next).toEqual(["tools"]);

      hang = false;
      const replayed: string[] = [];
      executor.on("call:finished", ({ outcome }) => {
        if (outcome.replayed) replayed.push(outcome.id);
      });
      const state = await graph.invoke(null, config);
      expect(replayed.sort()).toEqual(["call_a", "call_b"]);
      expect(runs.sort()).toEqual(["a", "b", "c", "c", "d", "d", "e", "e"]);
      expect(state.results).toEqual({
        call_a: "did a",
        call_b: "did b",
        call_c: "did c",
        call_d: "did d",
        call_e: "did e",
      });
      expect(state.errors).toEqual({});
      await executor.close();
      await journal.close();
    });
  },
);
