import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * What an installed Volley can load. The core and the CLI (the `volley` bin) may only import
 * `dependencies`, or a user's `npx volley demo` fails on a missing package; each integration
 * subpath may also import its optional peers, and a peer loaded only by a lazy `import()` is fine.
 */
const root = join(import.meta.dirname, "..", "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  exports: Record<string, unknown>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Packages a file loads at import time: static value imports, not `import type` or `import()`. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  const pattern =
    /^\s*(?:import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?["']([^"'.][^"']*)["']/gm;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[1]!;
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
    found.push(packageOf(specifier));
  }
  return found;
}

function importsUnder(folder: string): Map<string, string[]> {
  const byPackage = new Map<string, string[]>();
  for (const file of sourceFiles(join(root, "src", folder))) {
    for (const name of staticImports(file)) {
      const files = byPackage.get(name) ?? [];
      files.push(relative(root, file));
      byPackage.set(name, files);
    }
  }
  return byPackage;
}

describe("package: what an install can load", () => {
  it("the core and the CLI import only the package's dependencies", () => {
    for (const folder of ["core", "cli", "tools-module"]) {
      for (const [name, files] of importsUnder(folder)) {
        expect(
          Object.keys(manifest.dependencies),
          `${name} is imported by ${files.join(", ")}`,
        ).toContain(name);
      }
    }
  });

  it("each integration imports only dependencies and its optional peers", () => {
    const peers = Object.keys(manifest.peerDependencies);
    for (const name of peers) expect(manifest.peerDependenciesMeta[name]?.optional).toBe(true);
    const allowed = [...Object.keys(manifest.dependencies), ...peers];
    const integrations = [
      ...[
        "langgraph",
        "journal",
        "threads",
        "logging",
        "metrics",
        "tracing",
        "bullmq",
        "mcp",
        "ai-sdk",
      ],
    ];
    for (const folder of [...integrations, "dashboard"]) {
      for (const [name, files] of importsUnder(folder)) {
        expect(allowed, `${name} is imported by ${files.join(", ")}`).toContain(name);
      }
    }
  });

  it("every subpath export has its source entry", () => {
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath === "." || subpath === "./package.json") continue;
      const entry = join(root, "src", subpath.slice(2), "index.ts");
      expect(() => readFileSync(entry), `${subpath} → ${relative(root, entry)}`).not.toThrow();
    }
  });
});
