import { Readable } from "node:stream";
import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { main, parseCount, parseMs, parsePort } from "../../src/cli/program.js";
import type { CliIo } from "../../src/cli/run-command.js";

function io(stdin?: string): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }),
    out: () => out,
    err: () => err,
  };
}

describe("main (in process)", () => {
  it("runs a batch and returns its exit code", async () => {
    const streams = io(JSON.stringify([{ id: "a", name: "fast_tool", args: { query: "q" } }]));
    const code = await main(
      ["run", "--tools", "examples/tools.ts", "--calls", "-", "--json", "--no-progress"],
      streams,
    );
    expect(code).toBe(0);
    expect(JSON.parse(streams.out())).toMatchObject({ results: { a: "Fast result for: q" } });
    expect(streams.err()).toBe("");
  });

  it("returns 0 for --help and --version, 2 for usage errors", async () => {
    const help = io();
    expect(await main(["--help"], help)).toBe(0);
    expect(help.out()).toContain(
      "$ volley run --tools examples/tools.ts --calls examples/calls.json",
    );
    expect(await main(["--version"], io())).toBe(0);
    const unknown = io();
    expect(await main(["frobnicate"], unknown)).toBe(2);
    expect(unknown.err()).toMatch(/unknown command 'frobnicate'/);
    const badChoice = io();
    expect(await main(["run", "-t", "x", "-c", "y", "--isolation", "cloud"], badChoice)).toBe(2);
    expect(badChoice.err()).toMatch(/Allowed choices are inline, worker/);
  });

  it("prints bad input as one line naming the problem, and returns 2", async () => {
    const streams = io("not json");
    expect(await main(["run", "--tools", "examples/tools.ts", "--calls", "-"], streams)).toBe(2);
    expect(streams.err()).toMatch(/^volley: standard input is not valid JSON: .+\n$/);
  });
});

describe("flag parsers", () => {
  it("parse counts, milliseconds and ports, or say what they expected", () => {
    expect(parseCount("16")).toBe(16);
    expect(parseCount("Infinity")).toBe(Infinity);
    expect(() => parseCount("1.5")).toThrow(InvalidArgumentError);
    expect(parseMs("250")).toBe(250);
    expect(parseMs("0.5")).toBe(0.5);
    expect(() => parseMs("0")).toThrow(/Expected milliseconds/);
    expect(() => parseMs("")).toThrow(/Expected milliseconds/);
    expect(parsePort("0")).toBe(0);
    expect(() => parsePort("70000")).toThrow(/Expected a port/);
    expect(() => parsePort("-1")).toThrow(/Expected a port/);
  });
});
