import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("hitl");
await import("./upstream/hitl.js");
checkEntries();
