import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("toolError");
await import("./upstream/toolError.js");
checkEntries();
