import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("volley");
expectKnownFailures("pregel.stream", "volley");
await import("./upstream/pregel.stream.js");
