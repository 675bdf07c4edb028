import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("upstream");
usePortedFile("tools");
await import("./upstream/tools.js");
checkEntries();
