/** An expected CLI failure: printed as one line (`memhp: <message>`), exit code 1 unless told otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
