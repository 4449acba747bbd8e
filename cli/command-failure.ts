/**
 * A command that could not do its job for a reason other than its input: a pipeline that failed while the command
 * waited for it, a server out of reach, no worker to answer. The CLI prints the message, without a stack trace, and
 * exits with status 1.
 */
export class CommandFailure extends Error {
  override readonly name = 'CommandFailure';
}
