import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("upstream");
expectKnownFailures("concurrent-thread-isolation", "upstream");
await import("./upstream/concurrent-thread-isolation.js");
