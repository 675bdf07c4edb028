import { useVariant } from "../variant.js";
import { checkEntries, usePortedFile } from "./vitest.js";

useVariant("volley-last");
usePortedFile("reactAgent");
await import("./upstream/reactAgent.js");
checkEntries();
