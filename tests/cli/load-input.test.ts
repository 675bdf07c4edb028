import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCliInputError } from "../../src/cli/cli-input-error.js";
import { loadCalls, parseCalls } from "../../src/cli/load-calls.js";
import { loadTools } from "../../src/cli/load-tools.js";

const call = { id: "a", name: "t", args: { q: 1 } };

describe("parseCalls", () => {
  it("reads an array of calls in either shape", () => {
    const calls = [call, { id: "b", tool_name: "t", args: {} }];
    expect(parseCalls(JSON.stringify(calls))).toEqual(calls);
  });

  it("reads an AIMessage: plain, serialised by LangChain, or with OpenAI-style tool calls", () => {
    expect(parseCalls(JSON.stringify({ content: "", tool_calls: [call] }))).toEqual([call]);
    const serialised = {
      lc: 1,
      type: "constructor",
      id: ["langchain_core", "messages", "AIMessage"],
      kwargs: { content: "", tool_calls: [call] },
    };
    expect(parseCalls(JSON.stringify(serialised))).toEqual([call]);
    const openAi = {
      additional_kwargs: {
        tool_calls: [{ id: "a", type: "function", function: { name: "t", arguments: '{"q":1}' } }],
      },
    };
    expect(parseCalls(JSON.stringify(openAi))).toEqual([call]);
  });

  it("leaves malformed calls to the executor (they become invalid_call outcomes)", () => {
    expect(parseCalls("[1, null]")).toEqual([1, null]);
  });

  it.each([
    ["", /empty/],
    ["{oops", /is not valid JSON/],
    ["42", /^Expected calls.json to hold a JSON array of calls .*, got `42` \(number\)$/],
    ['{"messages": []}', /got `{ messages: \[\] }` \(object\)$/],
    ["[]", /^No calls: calls\.json holds an empty array$/],
    [" \n[ ]\n", /^No calls: calls\.json holds an empty array$/],
    ['{"tool_calls": []}', /^No calls: calls\.json holds a message with an empty tool_calls list$/],
    [
      '{"lc": 1, "kwargs": {"content": "", "tool_calls": []}}',
      /^No calls: calls\.json holds a message with an empty tool_calls list$/,
    ],
  ])("rejects %j with a CliInputError", (text, message) => {
    let thrown: unknown;
    try {
      parseCalls(text, "calls.json");
    } catch (error) {
      thrown = error;
    }
    expect(isCliInputError(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe("loadCalls", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "volley-cli-"));
    await writeFile(join(dir, "calls.json"), JSON.stringify([call]));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reads a file relative to the working directory, or standard input for -", async () => {
    expect(await loadCalls("calls.json", { cwd: dir })).toEqual([call]);
    const stdin = Readable.from([
      Buffer.from('[{"id":"a",'),
      Buffer.from('"name":"t","args":{"q":1}}]'),
    ]);
    expect(await loadCalls("-", { stdin })).toEqual([call]);
  });

  it("names a missing file", async () => {
    await expect(loadCalls("missing.json", { cwd: dir })).rejects.toThrow(
      `Calls file not found: ${join(dir, "missing.json")}`,
    );
  });
});

describe("loadTools", () => {
  it("loads .ts modules, resolving the path against the working directory", async () => {
    const tools = await loadTools("tools.ts", { cwd: "examples" });
    expect(tools.map((t) => t.name)).toEqual(["fast_tool", "slow_tool"]);
  });

  it("turns a module's problem into a CliInputError that names it", async () => {
    const error = await loadTools("tests/cli/fixtures/no-tools.mjs").catch((e: unknown) => e);
    expect(isCliInputError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /no-tools\.mjs exports no tools \(exports: answer, helper\)/,
    );
  });
});
