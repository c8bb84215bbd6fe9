/** Exit code for a usage error or input the command cannot read (as opposed to problems found in it). */
export const EXIT_USAGE = 2;

/** An error the CLI prints as its message alone, without a stack: bad input, not a bug. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
