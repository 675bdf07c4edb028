import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "coverage/**",
      "docs/api/**",
      "tests/compat/*/upstream/**",
    ],
  },
  js.configs.recommended,
  {
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { module: "writable", require: "readonly" },
    },
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "CallExpression[callee.object.name='AbortSignal'][callee.property.name='timeout']",
          message: "Use the injectable clock: fake timers cannot drive AbortSignal.timeout.",
        },
      ],
    },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "@langchain/*",
                "langchain",
                "zod",
                "bullmq",
                "ioredis",
                "piscina",
                "pino",
                "prom-client",
                "@opentelemetry/*",
                "better-sqlite3",
                "pg",
                "commander",
              ],
              message:
                "The core has no heavy dependencies: integrations live in their own subpath.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["tests/**/*.ts", "bench/**/*.ts", "examples/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
