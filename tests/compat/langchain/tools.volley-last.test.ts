import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("tools");
await import("./upstream/tools.js");
checkEntries();
