import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-first");
usePortedFile("toolError");
await import("./upstream/toolError.js");
checkEntries();
