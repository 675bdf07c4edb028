/**
 * Bad input to the command line: a missing file, JSON that does not parse, a tools module that
 * does not load or exports no tools. The CLI prints its message and exits with code 2.
 */
export class CliInputError extends Error {
  override name = "CliInputError";
  /** The process exit code for bad input. */
  readonly exitCode = 2;
}

/** True for a {@link CliInputError} (by name, so that it works across copies of the library). */
export function isCliInputError(error: unknown): error is CliInputError {
  return error instanceof Error && error.name === "CliInputError";
}
