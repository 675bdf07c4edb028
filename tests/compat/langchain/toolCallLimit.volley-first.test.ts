import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-first");
usePortedFile("toolCallLimit");
await import("./upstream/toolCallLimit.js");
checkEntries();
