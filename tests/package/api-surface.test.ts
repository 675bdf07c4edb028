import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Each subpath's exported names are a promise to users: this test fails when one is added,
 * removed or changes its type by accident. It reads every entry point of package.json's
 * `exports` with one `ts.Program`, lists each exported name with its kind and, for a value, its
 * type, and compares the list with the committed snapshot. To change the surface deliberately:
 *
 *   UPDATE_API=1 npx vitest run tests/package/api-surface.test.ts
 *
 * and commit tests/package/api-surface.snap.json with the change.
 */
const root = join(import.meta.dirname, "..", "..");
const snapshotFile = join(import.meta.dirname, "api-surface.snap.json");
const updateCommand = "UPDATE_API=1 npx vitest run tests/package/api-surface.test.ts";

/** Every subpath's exported names, each with its kind and, for a value, its type. */
type ApiSurface = Record<string, Record<string, string>>;

/** The source entry of each subpath in package.json's `exports` ("." is src/index.ts). */
function entryPoints(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };
  const entries: Record<string, string> = {};
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath === "./package.json") continue;
    const file = subpath === "." ? "index.ts" : join(subpath.slice(2), "index.ts");
    entries[subpath] = join(root, "src", file);
  }
  return entries;
}

const FORMAT =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope |
  ts.TypeFormatFlags.WriteArrowStyleSignature;

/** Reads the exported names of every entry point, as the compiler sees them, in one program. */
function apiSurface(entries: Record<string, string>): ApiSurface {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (config === undefined) throw new Error("tsconfig.json could not be read");
  const program = ts.createProgram({
    rootNames: Object.values(entries),
    options: { ...config.options, noEmit: true },
  });
  const checker = program.getTypeChecker();
  const surface: ApiSurface = {};
  for (const subpath of Object.keys(entries).sort()) {
    const source = program.getSourceFile(entries[subpath]!);
    if (source === undefined) throw new Error(`${subpath}: ${entries[subpath]} is missing`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const exported = moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol);
    const names: Record<string, string> = {};
    for (const symbol of [...exported].sort((a, b) => compare(a.name, b.name))) {
      names[symbol.name] = describeExport(checker, symbol, source);
    }
    surface[subpath] = names;
  }
  return surface;
}

/** `function (…) => …`, `class new (…) => X extends Y { members }`, `const: T`, `interface`, `type`. */
function describeExport(checker: ts.TypeChecker, exported: ts.Symbol, at: ts.Node): string {
  const symbol =
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const flags = symbol.flags;
  const kinds: string[] = [];
  if (flags & ts.SymbolFlags.Class) {
    kinds.push(`class ${classSignature(checker, symbol, at)}`);
  } else if (flags & ts.SymbolFlags.Function) {
    const signatures = checker
      .getTypeOfSymbolAtLocation(symbol, at)
      .getCallSignatures()
      .map((signature) => checker.signatureToString(signature, at, FORMAT));
    kinds.push(`function ${signatures.join(" & ")}`);
  } else if (flags & ts.SymbolFlags.Variable) {
    kinds.push(
      `const: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, at), at, FORMAT)}`,
    );
  } else if (flags & ts.SymbolFlags.Enum) {
    kinds.push("enum");
  }
  if (flags & ts.SymbolFlags.Interface && !(flags & ts.SymbolFlags.Class)) kinds.push("interface");
  if (flags & ts.SymbolFlags.TypeAlias) kinds.push("type");
  if (flags & ts.SymbolFlags.Module) kinds.push("namespace");
  return kinds.length > 0 ? kinds.join(" + ") : `unknown (symbol flags ${flags})`;
}

/** A class's constructors, base and own public members: what users construct, extend and call. */
function classSignature(checker: ts.TypeChecker, symbol: ts.Symbol, at: ts.Node): string {
  const staticType = checker.getTypeOfSymbolAtLocation(symbol, at);
  const instanceType = checker.getDeclaredTypeOfSymbol(symbol);
  const constructors = staticType
    .getConstructSignatures()
    .map((signature) => `new ${checker.signatureToString(signature, at, FORMAT)}`);
  const declaration = symbol.declarations?.find(ts.isClassDeclaration);
  const base = declaration?.heritageClauses
    ?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword)
    ?.types.map((type) => type.getText())
    .join(", ");
  const members: string[] = [];
  for (const member of declaration?.members ?? []) {
    if (member.name === undefined || ts.isPrivateIdentifier(member.name)) continue;
    const modifiers = ts.getCombinedModifierFlags(member as ts.Declaration);
    if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
    const isStatic = (modifiers & ts.ModifierFlags.Static) !== 0;
    const name = member.name.getText();
    const property = (isStatic ? staticType : instanceType).getProperty(name);
    if (property === undefined) continue;
    const type = checker.typeToString(
      checker.getTypeOfSymbolAtLocation(property, member),
      member,
      FORMAT,
    );
    const entry = `${isStatic ? "static " : ""}${property.name}: ${type}`;
    if (!members.includes(entry)) members.push(entry); // a getter and its setter
  }
  return `${constructors.join(" & ")}${base ? ` extends ${base}` : ""} { ${members.join("; ")} }`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What changed from the snapshot, one line per name, or `[]`. */
function changes(before: ApiSurface, after: ApiSurface): string[] {
  const lines: string[] = [];
  const subpaths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const subpath of subpaths) {
    const was = before[subpath] ?? {};
    const now = after[subpath] ?? {};
    const found: string[] = [];
    for (const name of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort(compare)) {
      if (!(name in now)) found.push(`  - ${name}: ${was[name]}`);
      else if (!(name in was)) found.push(`  + ${name}: ${now[name]}`);
      else if (was[name] !== now[name]) {
        found.push(`  ~ ${name}`, `      was: ${was[name]}`, `      now: ${now[name]}`);
      }
    }
    if (found.length > 0) {
      const label = !(subpath in before) ? " (new subpath)" : !(subpath in after) ? " (gone)" : "";
      lines.push(`${subpath === "." ? "volley" : `volley/${subpath.slice(2)}`}${label}`, ...found);
    }
  }
  return lines;
}

describe("package: the public API surface", () => {
  it("every subpath exports exactly the names and types of the committed snapshot", () => {
    const entries = entryPoints();
    const surface = apiSurface(entries);
    for (const [subpath, names] of Object.entries(surface)) {
      expect(Object.keys(names).length, `${subpath} exports nothing`).toBeGreaterThan(0);
    }
    const text = `${JSON.stringify(surface, null, 2)}\n`;
    if (process.env["UPDATE_API"] === "1") {
      writeFileSync(snapshotFile, text);
      return;
    }
    if (!existsSync(snapshotFile)) {
      expect.fail(`${relative(root, snapshotFile)} is missing; write it with:\n  ${updateCommand}`);
    }
    const committed = JSON.parse(readFileSync(snapshotFile, "utf8")) as ApiSurface;
    const diff = changes(committed, surface);
    if (diff.length > 0) {
      expect.fail(
        [
          "The exported names changed (+ added, - removed, ~ changed):",
          ...diff,
          "",
          "Each export is a promise to users. If this change is deliberate, update the snapshot",
          `and commit ${relative(root, snapshotFile)} with it:`,
          `  ${updateCommand}`,
        ].join("\n"),
      );
    }
    expect(readFileSync(snapshotFile, "utf8")).toBe(text); // same names, same file
  });
});
