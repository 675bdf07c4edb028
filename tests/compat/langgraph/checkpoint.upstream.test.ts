import { useVariant } from "../variant.js";
import { expectKnownFailures } from "./known-failures.js";

useVariant("upstream");
expectKnownFailures("checkpoint", "upstream");
await import("./upstream/checkpoint.js");
