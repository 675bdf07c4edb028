/**
 * What the ported files import in place of langchain's own `../index.js`: langchain's public API,
 * with `createAgent` taken from `subject.ts` (a local export wins over the `export *`), so every
 * agent a ported test builds gets the middleware list of the variant under test.
 */
export * from "langchain";
export { createAgent } from "./subject.js";
