import { describe, expect, it } from "vitest";
import { PostgresJournal, SqliteJournal } from "../../src/journal/index.js";

describe("volley/journal refuses unknown option keys before it opens anything", () => {
  it("SqliteJournal", () => {
    expect(() => new SqliteJournal({ path: ":memory:", busyTimeout: 5 } as never)).toThrow(
      'Unknown option "busyTimeout" for SqliteJournal; did you mean "busyTimeoutMs"? Known options: transientKinds, path, database, table, maxBatchSize, synchronous, busyTimeoutMs.',
    );
  });

  it("PostgresJournal (a pg pool config's keys are not its options)", () => {
    expect(
      () =>
        new PostgresJournal({ connectionString: "postgresql://127.0.0.1:1/x", max: 4 } as never),
    ).toThrow(
      'Unknown option "max" for PostgresJournal. Known options: transientKinds, pool, connectionString, table, maxBatchSize.',
    );
    expect(
      () => new PostgresJournal({ pool: { query: async () => ({}) }, tabel: "t" } as never),
    ).toThrow(/Unknown option "tabel" for PostgresJournal; did you mean "table"\?/);
  });

  it("a pool passed as pool may carry anything", async () => {
    const pool = { query: async () => ({ rows: [] }), options: { max: 4 }, totalCount: 0 };
    const journal = new PostgresJournal({ pool: pool as never });
    await journal.close();
  });
});
