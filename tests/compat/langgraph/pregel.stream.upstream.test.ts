import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("upstream");
expectKnownFailures("pregel.stream", "upstream");
await import("./upstream/pregel.stream.js");
