/** Layering rules: the core stands alone, integrations build on it, the CLI sits on top. */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Circular imports hide the architecture and break partial loading.",
      from: {},
      // Type-only cycles vanish at run time; only value imports may not go round.
      to: {
        circular: true,
        dependencyTypesNot: ["type-only"],
        viaOnly: { dependencyTypesNot: ["type-only"] },
      },
    },
    {
      name: "no-circular-in-core",
      severity: "error",
      comment:
        "The core's data flows one way (calls → admission → scheduler → backend → settle → journal → caller and events): inside it, not even a type-only import goes round.",
      from: { path: "^src/core/" },
      to: { path: "^src/core/", circular: true },
    },
    {
      name: "core-stands-alone",
      severity: "error",
      comment: "src/core imports nothing outside src/core but Node's built-ins.",
      from: { path: "^src/core/" },
      to: {
        pathNot: ["^src/core/", "^node:", "^(events|timers|perf_hooks|crypto|util|async_hooks)$"],
        dependencyTypesNot: ["core"],
      },
    },
    {
      name: "integrations-below-cli",
      severity: "error",
      comment: "Nothing but the CLI imports the CLI.",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "(^dist/|node_modules)" },
  },
};
