import { describe, expect, it } from "vitest";
import { GroupCommitter, type PendingRow } from "../../src/journal/group-commit.js";

/** What Postgres says of a NUL in a jsonb value: a data exception, about one row. */
const rowError = () =>
  Object.assign(new Error("unsupported Unicode escape sequence"), { code: "22P05" });

describe("GroupCommitter", () => {
  it("puts the rows of one tick in one commit and resolves them after it", async () => {
    const groups: string[][] = [];
    const committer = new GroupCommitter((rows) => {
      groups.push(rows.map((r) => r.callId));
    }, 100);
    const order: string[] = [];
    const a = committer.add("b", "a", "{}").then(() => order.push("a"));
    const b = committer.add("b", "b", "{}").then(() => order.push("b"));
    expect(groups).toEqual([]);
    await Promise.all([a, b]);
    expect(groups).toEqual([["a", "b"]]);
    expect(order).toEqual(["a", "b"]);
    expect(committer.stats()).toEqual({ recorded: 2, commits: 1, pending: 0 });
  });

  it("while an async commit is in flight, gathers the next rows into the next group", async () => {
    const groups: string[][] = [];
    let release: (() => void) | undefined;
    const committer = new GroupCommitter((rows: readonly PendingRow[]) => {
      groups.push(rows.map((r) => r.callId));
      return new Promise<void>((resolve) => (release = resolve));
    }, 100);
    const first = committer.add("b", "1", "{}");
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([["1"]]);
    const later = ["2", "3", "4"].map((id) => committer.add("b", id, "{}"));
    await new Promise((r) => setImmediate(r));
    expect(groups).toHaveLength(1); // still waiting for the first commit
    release!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(groups).toEqual([["1"], ["2", "3", "4"]]);
    release!();
    await Promise.all(later);
    expect(committer.stats().commits).toBe(2);
  });

  it("splits at maxRows; a failed group is written row by row, so only the bad row fails", async () => {
    const groups: string[][] = [];
    const committer = new GroupCommitter((rows) => {
      groups.push(rows.map((r) => r.callId));
      if (rows.some((r) => r.callId === "bad")) throw rowError();
    }, 2);
    const results = await Promise.allSettled(
      ["a", "bad", "c", "d"].map((id) => committer.add("b", id, "{}")),
    );
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/unsupported Unicode/);
    expect(groups).toEqual([["a", "bad"], ["a"], ["bad"], ["c", "d"]]);
    expect(committer.stats()).toEqual({ recorded: 3, commits: 2, pending: 0 });
  });

  it("isolates the bad row of an async group too, and holds new rows until it is done", async () => {
    const groups: string[][] = [];
    const committer = new GroupCommitter(async (rows) => {
      groups.push(rows.map((r) => r.callId));
      await new Promise((r) => setTimeout(r, 5));
      if (rows.some((r) => r.callId.startsWith("bad"))) throw rowError();
    }, 10);
    const first = ["a", "bad1", "b", "bad2"].map((id) => committer.add("b", id, "{}"));
    await new Promise((r) => setImmediate(r));
    const later = committer.add("b", "c", "{}");
    const results = await Promise.allSettled([...first, later]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(groups).toEqual([["a", "bad1", "b", "bad2"], ["a"], ["bad1"], ["b"], ["bad2"], ["c"]]);
    expect(committer.stats()).toEqual({ recorded: 3, commits: 3, pending: 0 });
  });

  it("fails the whole group at once when the database itself fails (no row by row retry)", async () => {
    let calls = 0;
    const committer = new GroupCommitter(() => {
      calls++;
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
    }, 10);
    const results = await Promise.allSettled(["a", "b"].map((id) => committer.add("b", id, "{}")));
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(calls).toBe(1);
  });

  it("flush() commits at once and resolves when nothing is waiting", async () => {
    const groups: number[] = [];
    const committer = new GroupCommitter((rows) => {
      groups.push(rows.length);
    }, 100);
    await committer.flush();
    const row = committer.add("b", "a", "{}");
    await committer.flush();
    expect(groups).toEqual([1]);
    await row;
  });
});
