import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCalls, parseCalls } from "../../src/cli/load-calls.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const call = { id: "a", name: "t", args: { q: "é" } };
const json = JSON.stringify([call]);
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** UTF-16 with its byte order mark, as Windows PowerShell writes files. */
function utf16(text: string, endian: "le" | "be"): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
  return endian === "le" ? le : Buffer.from(le).swap16();
}

describe("loadCalls: files written by Windows editors and shells", () => {
  const dir = makeTempDir("cli-encoding");
  beforeAll(() => {
    writeFileSync(join(dir.path, "bom.json"), Buffer.concat([BOM, Buffer.from(json)]));
    writeFileSync(join(dir.path, "utf16le.json"), utf16(json, "le"));
    writeFileSync(join(dir.path, "utf16be.json"), utf16(json, "be"));
  });
  afterAll(() => dir.remove());

  it.each(["bom.json", "utf16le.json", "utf16be.json"])("reads %s", async (file) => {
    expect(await loadCalls(file, { cwd: dir.path })).toEqual([call]);
  });

  it("reads standard input that starts with a UTF-8 byte order mark, in any chunks", async () => {
    const bytes = Buffer.concat([BOM, Buffer.from(json)]);
    const stdin = Readable.from([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]);
    expect(await loadCalls("-", { stdin })).toEqual([call]);
  });

  it("parses text that starts with a byte order mark", () => {
    expect(parseCalls(`\uFEFF${json}`)).toEqual([call]);
  });
});
