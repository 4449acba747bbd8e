/** Where in an input a problem was found. Every field is optional; the message names what is known. */
export interface InputLocation {
  file?: string;
  row?: number;
  field?: string;
}

/**
 * Bad input: a file, row or field that cannot be used, with what to do about it.
 * The message always names the input, so a CLI can print it as it is.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly file?: string;
  readonly row?: number;
  readonly field?: string;

  constructor(problem: string, where: InputLocation = {}, fix?: string) {
    super(InputError.format(problem, where, fix));
    this.file = where.file;
    this.row = where.row;
    this.field = where.field;
  }

  private static format(problem: string, where: InputLocation, fix?: string): string {
    const place = [
      where.file,
      where.row === undefined ? undefined : `row ${where.row}`,
      where.field === undefined ? undefined : `field ${where.field}`,
    ].filter((part) => part !== undefined);
    const prefix = place.length > 0 ? `${place.join(', ')}: ` : '';
    return `${prefix}${problem}${fix ? `. ${fix}` : ''}`;
  }
}
