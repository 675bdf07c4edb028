import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-first");
usePortedFile("toolRetry");
await import("./upstream/toolRetry.js");
checkEntries();
