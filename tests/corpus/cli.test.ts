import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURES, runCli } from "../cli/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const TOOLS = path.join(FIXTURES, "tools.ts");
const valid = [
  { id: "before", name: "wait", args: { ms: 1, value: "b" } },
  { id: "after", name: "wait", args: { ms: 1, value: "a" } },
];

const dir = makeTempDir("corpus-cli");
afterAll(() => dir.remove());
let files = 0;

/** Writes `text` to a new calls file; returns its path. */
function callsFile(text: string): string {
  const file = path.join(dir.path, `calls-${files++}.json`);
  writeFileSync(file, text);
  return file;
}

describe("corpus: hostile calls files exit 2 with a message naming the problem", () => {
  it.concurrent.each<[string, string, RegExp]>([
    ["JSON that does not parse", "[{ id: 1 }", /does not parse|JSON/i],
    ["an empty file", "", /JSON|no calls|empty/i],
    ["an empty array", "[]", /No calls/],
    ["a message with an empty tool_calls", '{ "tool_calls": [] }', /No calls/],
    ["a JSON string", '"echo"', /JSON array of calls|tool_calls/],
    ["a JSON number", "42", /JSON array of calls|tool_calls/],
    ["null", "null", /JSON array of calls|tool_calls/],
  ])("%s", async (_label, text, message) => {
    const run = await runCli(["run", "--calls", callsFile(text), "--tools", TOOLS]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe("corpus: hostile calls in a file end with their typed outcome, and the valid ones run", () => {
  const nested = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  it.concurrent.each<[string, string, string]>([
    [
      "an id that is an object",
      '{ "id": { "a": 1 }, "name": "wait", "args": { "ms": 1 } }',
      "invalid_call",
    ],
    [
      "an id nested 10,000 deep",
      `{ "id": ${nested}, "name": "wait", "args": { "ms": 1 } }`,
      "invalid_call",
    ],
    [
      "a __proto__ key in args",
      '{ "id": "p", "name": "wait", "args": { "__proto__": { "ms": 1 } } }',
      "invalid_args",
    ],
    ["an unknown tool", '{ "id": "u", "name": "nope", "args": {} }', "unknown_tool"],
    [
      "a timeoutMs of 1e400 (Infinity) on a quick call",
      '{ "id": "t", "name": "wait", "args": { "ms": 1 }, "timeoutMs": 1e400 }',
      "ok",
    ],
    [
      "a retry of a million attempts on a failing call",
      '{ "id": "r", "name": "fail", "args": { "message": "no" }, "retry": { "maxAttempts": 1000000, "initialInterval": 0 } }',
      "tool_error",
    ],
  ])("%s", async (_label, hostile, kind) => {
    const text = `[${JSON.stringify(valid[0])}, ${hostile}, ${JSON.stringify(valid[1])}]`;
    const run = await runCli(["run", "--calls", callsFile(text), "--tools", TOOLS, "--json"]);
    const report = JSON.parse(run.stdout) as {
      outcomes: Array<{ id: string; status: string; attempts: number; error?: { kind: string } }>;
    };
    const [before, outcome, after] = report.outcomes;
    expect(before).toMatchObject({ status: "ok" });
    expect(after).toMatchObject({ status: "ok" });
    expect(outcome!.status === "ok" ? "ok" : outcome!.error!.kind).toBe(kind);
    expect(outcome!.attempts).toBeLessThanOrEqual(1);
    expect(run.code).toBe(kind === "ok" ? 0 : 1);
  });
});

describe("corpus: hostile tools modules exit 2, naming the module", () => {
  const calls = (): string => callsFile(JSON.stringify(valid));
  it.concurrent.each<[string, string, RegExp]>([
    ["a module that does not exist", "missing-tools.mjs", /missing-tools\.mjs/],
    ["a module with a syntax error", "broken.mjs", /broken\.mjs/],
    ["a module that exports no tools", "no-tools.mjs", /no-tools\.mjs/],
    [
      "a module with two tools of one name",
      "duplicate-tools.mjs",
      /duplicate-tools\.mjs|same name|named/,
    ],
  ])("%s", async (_label, file, message) => {
    const run = await runCli(["run", "--calls", calls(), "--tools", path.join(FIXTURES, file)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("a module whose top-level await never settles, past --load-timeout", async () => {
    const run = await runCli([
      "run",
      "--calls",
      calls(),
      "--tools",
      path.join(FIXTURES, "never-loads.mjs"),
      "--load-timeout",
      "300",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/never-loads\.mjs did not finish loading/);
  });
});
