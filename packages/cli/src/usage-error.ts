// A command-line mistake (unknown command or flag, missing argument). Main prints the message and the
// usage text to stderr and exits 64 (EX_USAGE from sysexits.h), apart from every SQL or engine error.

export const EX_USAGE = 64;

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = EX_USAGE;
  /** Which usage text to show with the message. */
  readonly command: 'main' | 'sql' | 'check' | 'keygen' | 'serve';

  constructor(message: string, command: UsageError['command'] = 'main') {
    super(message);
    this.command = command;
  }
}
