import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("volley");
expectKnownFailures("concurrent-thread-isolation", "volley");
await import("./upstream/concurrent-thread-isolation.js");
