/** Command-line errors shared by the commands. */

/** A bad command-line value found after parsing; the CLI prints its message and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
