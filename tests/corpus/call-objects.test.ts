import { describe, expect, it } from "vitest";
import { endsBeside, trapProxy, throwingGetter } from "./helpers.js";

function deepJson(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const cyclic: Record<string, unknown> = { name: "loop" };
cyclic["self"] = cyclic;

describe("corpus: hostile call objects end invalid_call, and the calls beside them run", () => {
  it.each<[string, unknown]>([
    ["an id that is a BigInt", { id: 10n, name: "echo", args: { x: 1 } }],
    ["an id that is a cyclic object", { id: cyclic, name: "echo", args: { x: 1 } }],
    ["an id of deeply nested JSON", { id: deepJson(20_000), name: "echo", args: { x: 1 } }],
    ["an id that is a Symbol", { id: Symbol("id"), name: "echo", args: { x: 1 } }],
    ["an id that is a Proxy", { id: trapProxy({}), name: "echo", args: { x: 1 } }],
    ["an id that is a function", { id: () => "x", name: "echo", args: { x: 1 } }],
    ["an empty id", { id: "", name: "echo", args: { x: 1 } }],
    ["no id", { name: "echo", args: { x: 1 } }],
    ["a name that is a BigInt", { id: "h", name: 5n, args: { x: 1 } }],
    ["a name that is an object", { id: "h", name: { toString: () => "echo" }, args: { x: 1 } }],
    ["an empty name", { id: "h", name: "", args: { x: 1 } }],
    ["a getter on id that throws", throwingGetter({ name: "echo", args: { x: 1 } }, "id")],
    ["a getter on name that throws", throwingGetter({ id: "h", args: { x: 1 } }, "name")],
    ["a getter on args that throws", throwingGetter({ id: "h", name: "echo" }, "args")],
    ["a getter on retry that throws", throwingGetter({ id: "h", name: "echo", args: {} }, "retry")],
    ["a Proxy whose traps all throw", trapProxy({ id: "h", name: "echo" })],
    [
      "a revoked Proxy",
      (() => {
        const { proxy, revoke } = Proxy.revocable({ id: "h", name: "echo" }, {});
        revoke();
        return proxy;
      })(),
    ],
    ["null", null],
    ["a number", 42],
    ["a string", "echo"],
    ["an array", ["h", "echo"]],
    ["a priority that is a string", { id: "h", name: "echo", args: { x: 1 }, priority: "high" }],
    ["a timeoutMs of -1", { id: "h", name: "echo", args: { x: 1 }, timeoutMs: -1 }],
    ["a timeoutMs of NaN", { id: "h", name: "echo", args: { x: 1 }, timeoutMs: NaN }],
    ["a retry that is a string", { id: "h", name: "echo", args: { x: 1 }, retry: "always" }],
    ["a retry with maxAttempts 0", { id: "h", name: "echo", args: {}, retry: { maxAttempts: 0 } }],
    ["a group that is a number", { id: "h", name: "echo", args: { x: 1 }, group: 7 }],
    ["an expectedMs of Infinity", { id: "h", name: "echo", args: { x: 1 }, expectedMs: Infinity }],
  ])("%s", async (_label, hostile) => {
    const outcome = await endsBeside(hostile, "invalid_call");
    expect(outcome.index).toBe(1);
  });

  it("a repeated id: the second call ends invalid_call, naming the id", async () => {
    const outcome = await endsBeside(
      { id: "before", name: "echo", args: { x: 3 } },
      "invalid_call",
    );
    expect(outcome.status === "error" && outcome.error.message).toMatch(/repeats the id "before"/);
  });

  it("a huge id is quoted short in messages", async () => {
    const id = "i".repeat(60_000);
    const outcome = await endsBeside({ id, name: "nope", args: {} }, "unknown_tool");
    expect(outcome.id).toBe(id);
    expect(outcome.status === "error" && outcome.error.message.length).toBeLessThan(400);
  });

  it("an unknown tool's name with quotes and newlines is quoted safely", async () => {
    const outcome = await endsBeside({ id: "h", name: 'a"b\nc', args: {} }, "unknown_tool");
    expect(outcome.status === "error" && outcome.error.message).toContain('"a\\"b\\nc"');
  });

  it("args that fail the schema end invalid_args", async () => {
    await endsBeside({ id: "h", name: "echo", args: { x: "one" } }, "invalid_args");
    await endsBeside({ id: "h", name: "echo", args: null }, "invalid_args");
    await endsBeside({ id: "h", name: "echo", args: trapProxy({ x: 1 }) }, "invalid_args");
    // JSON's "__proto__" is an own key: the schema finds no x.
    const args: unknown = JSON.parse('{ "__proto__": { "x": 1 } }');
    await endsBeside({ id: "h", name: "echo", args }, "invalid_args");
  });
});
