import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("upstream");
expectKnownFailures("pregel", "upstream");
await import("./upstream/pregel.js");
