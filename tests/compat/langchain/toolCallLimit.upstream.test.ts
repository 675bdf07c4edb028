import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("toolCallLimit");
await import("./upstream/toolCallLimit.js");
checkEntries();
