import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("hitl");
await import("./upstream/hitl.js");
checkEntries();
