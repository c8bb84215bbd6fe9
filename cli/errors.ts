/** An error the CLI prints as its message alone, without a stack: bad input, not a bug. */
export class CliError extends Error {}
