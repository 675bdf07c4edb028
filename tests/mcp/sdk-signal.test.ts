/**
 * volley/mcp gives the SDK a light signal that has only the members of `AbortSignal` the SDK's
 * requests use (SIGNAL_MEMBERS). These tests hand the SDK a real signal behind a Proxy that
 * records every member it reads or sets, over each transport, on a call that ends and on one
 * that is aborted: an SDK that starts to hand the signal on (to `fetch`, `AbortSignal.any()`,
 * `getMaxListeners()`) or to use more of it fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { RequestSignal, SIGNAL_MEMBERS } from "../../src/mcp/request-signal.js";
import { connectHttp, connectInMemory, connectStdio, type Connected } from "./fixtures/connect.js";
import { buildFixtureServer, type ServerRecords } from "./fixtures/fixture-server.js";
import { startHttpFixture, type HttpFixture } from "./fixtures/http-server.js";

/** A real signal behind a Proxy that notes each member touched through it. */
function recordingSignal(): {
  controller: AbortController;
  signal: AbortSignal;
  used: Set<string>;
} {
  const controller = new AbortController();
  const real = controller.signal;
  const used = new Set<string>();
  const note = (key: string | symbol): void => void used.add(String(key));
  const signal = new Proxy(real, {
    get(target, key) {
      note(key);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(target, key, value) {
      note(key);
      return Reflect.set(target, key, value, target);
    },
    has(target, key) {
      note(key);
      return Reflect.has(target, key);
    },
    defineProperty(target, key, descriptor) {
      note(key);
      return Reflect.defineProperty(target, key, descriptor);
    },
    getPrototypeOf(target) {
      note("[[GetPrototypeOf]]");
      return Reflect.getPrototypeOf(target);
    },
  });
  return { controller, signal, used };
}

/**
 * What the SDK touched of the signals of a call that ends and of one aborted just after the
 * server's first progress report, while the server waits for its next one.
 */
async function membersUsed(client: Client, id: string): Promise<Set<string>> {
  const ended = recordingSignal();
  await client.callTool({ name: "echo", arguments: { text: "hi" } }, undefined, {
    signal: ended.signal,
  });
  const aborted = recordingSignal();
  // Not at once: the server is sending its report then, and would see the abort before it waits.
  const cancelSoon = (): void => void setTimeout(() => aborted.controller.abort("cancelled"), 10);
  await expect(
    client.callTool(
      { name: "heartbeat", arguments: { id, everyMs: 200, forMs: 10_000 } },
      undefined,
      { signal: aborted.signal, onprogress: cancelSoon },
    ),
  ).rejects.toThrow("cancelled");
  return new Set([...ended.used, ...aborted.used]);
}

/** The cancellations a server recorded, read through its `records` tool. */
async function cancellations(client: Client): Promise<ServerRecords["cancellations"]> {
  const result = await client.callTool({ name: "records", arguments: {} });
  return (result.structuredContent as unknown as ServerRecords).cancellations;
}

describe("the SDK uses no more of a request's signal than RequestSignal has", () => {
  let memory: Connected;
  let stdio: Connected;
  let httpFixture: HttpFixture;
  let http: Connected;

  beforeAll(async () => {
    memory = await connectInMemory(buildFixtureServer("fixture-memory").server);
    stdio = await connectStdio();
    httpFixture = await startHttpFixture();
    http = await connectHttp(httpFixture.url);
  }, 30_000);

  afterAll(async () => {
    await memory?.close();
    await stdio?.close();
    await http?.close();
    await httpFixture?.close();
  });

  it.each([
    ["in memory", () => memory],
    ["stdio", () => stdio],
    ["Streamable HTTP", () => http],
  ])("over %s: only its members, and the abort reaches the server", async (name, connected) => {
    const { client } = connected();
    const id = `signal-${name}`;
    const used = await membersUsed(client, id);
    expect([...used].filter((key) => !SIGNAL_MEMBERS.includes(key))).toEqual([]);
    expect(used).toContain("addEventListener");
    await expect
      .poll(async () => (await cancellations(client)).find((c) => c.id === id)?.reason, {
        timeout: 5_000,
      })
      .toBe("cancelled");
  });
});

describe("RequestSignal", () => {
  it("has every member the SDK uses", () => {
    const signal = new RequestSignal();
    for (const key of SIGNAL_MEMBERS) expect(key in signal).toBe(true);
  });

  it("aborts once, telling each listener in order, functions and handleEvent objects", () => {
    const signal = new RequestSignal();
    const heard: string[] = [];
    signal.addEventListener("abort", () => heard.push("first"));
    signal.addEventListener("abort", { handleEvent: () => void heard.push("second") });
    signal.addEventListener("other", () => heard.push("other"));
    expect(() => signal.throwIfAborted()).not.toThrow();
    signal.abort("timeout");
    signal.abort("cancelled");
    expect(heard).toEqual(["first", "second"]);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("timeout");
    expect(() => signal.throwIfAborted()).toThrow("timeout");
  });

  it("forgets a removed listener; one that throws stops neither the others nor the abort", () => {
    const signal = new RequestSignal();
    const heard: string[] = [];
    const removed = (): void => void heard.push("removed");
    signal.addEventListener("abort", removed);
    signal.addEventListener("abort", () => {
      throw new Error("listener bug");
    });
    signal.addEventListener("abort", () => heard.push("last"));
    signal.removeEventListener("abort", removed);
    expect(() => signal.abort("cancelled")).not.toThrow();
    expect(heard).toEqual(["last"]);
  });
});
