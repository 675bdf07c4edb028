import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isLangChainTool, isVolleyTool } from "../../src/core/index.js";
import {
  isToolsModuleError,
  loadToolsModule,
  toolsModuleUrl,
} from "../../src/tools-module/load-tools-module.js";
import type { ToolsModuleError } from "../../src/tools-module/load-tools-module.js";

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

async function problemOf(module: string | URL): Promise<ToolsModuleError> {
  const error: unknown = await loadToolsModule(module).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isToolsModuleError(error)).toBe(true);
  return error as ToolsModuleError;
}

describe("loadToolsModule", () => {
  it("loads a TypeScript module's named exports and default array, once per tool", async () => {
    const tools = await loadToolsModule(fixture("mixed.ts"));
    expect(tools.map((t) => t.name).sort()).toEqual(["lower", "reverse", "upper"]);
    expect(
      tools
        .filter(isVolleyTool)
        .map((t) => t.name)
        .sort(),
    ).toEqual(["lower", "upper"]);
    expect(tools.filter(isLangChainTool).map((t) => t.name)).toEqual(["reverse"]);
  });

  it("loads a JavaScript module, by URL object, URL string or relative path", async () => {
    const byUrl = await loadToolsModule(fixture("js-tools.js"));
    const byHref = await loadToolsModule(fixture("js-tools.js").href);
    const byPath = await loadToolsModule(
      relative(process.cwd(), fileURLToPath(fixture("js-tools.js"))),
    );
    expect(byUrl.map((t) => t.name)).toEqual(["js_hash", "js_spin"]);
    expect(byHref).toEqual(byUrl);
    expect(byPath).toEqual(byUrl);
  });

  it("names the missing file", async () => {
    const error = await problemOf(fixture("nowhere.ts"));
    expect(error.problem).toBe("not_found");
    expect(error.kind).toBe("tool_error");
    expect(error.message).toContain("Tools module not found");
    expect(error.message).toContain("nowhere.ts");
  });

  it("says when a module exports no tools, listing what it does export", async () => {
    const error = await problemOf(fixture("no-tools.js"));
    expect(error.problem).toBe("no_tools");
    expect(error.message).toMatch(/exports no tools \(exports: answer, helper\)/);
  });

  it("names the default-array entry that is not a tool", async () => {
    const error = await problemOf(fixture("bad-default.js"));
    expect(error.problem).toBe("no_tools");
    expect(error.message).toContain("default export [0] is not a tool");
  });

  it("reports a module that throws while loading, with the cause", async () => {
    const error = await problemOf(fixture("throws-on-load.js"));
    expect(error.problem).toBe("load_failed");
    expect(error.message).toContain("this module refuses to load");
    expect((error.cause as Error).message).toBe("this module refuses to load");
  });

  it("refuses two different tools of one name", async () => {
    const error = await problemOf(fixture("duplicate.ts"));
    expect(error.problem).toBe("duplicate_tool");
    expect(error.message).toContain('two different tools named "twin"');
  });

  it("throws a TypeError at once for something that is not a path or a file: URL", () => {
    expect(() => toolsModuleUrl("https://example.com/tools.js")).toThrow(TypeError);
    expect(() => toolsModuleUrl("")).toThrow(TypeError);
    expect(() => toolsModuleUrl(42 as unknown as string)).toThrow(TypeError);
    expect(toolsModuleUrl("/tmp/tools.ts")).toBe("file:///tmp/tools.ts");
    expect(toolsModuleUrl("file:///tmp/tools.ts?tsx-namespace=1#x")).toBe("file:///tmp/tools.ts");
  });
});
