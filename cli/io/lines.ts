/**
 * Splits a byte stream into lines without decoding it: a record's key and
 * value are the exact bytes of its line (binary-safe, unlike readline, which
 * decodes UTF-8 and replaces what it cannot). A line ends at `\n`; a `\r`
 * before it is dropped (files written on Windows), as readline does. Only
 * one read chunk and one partial line are held at a time, so memory stays
 * bounded whatever the input size.
 */

/** A line longer than the caller's limit: the input is not line-shaped (or the limit is too low). */
export class LineTooLongError extends Error {
  override readonly name = 'LineTooLongError';
  constructor(
    readonly lineNumber: number,
    readonly limit: number,
  ) {
    super(`line ${lineNumber} is longer than ${limit} bytes`);
  }
}

/** A line and the bytes it took in the input (line terminator included). */
export interface Line {
  readonly bytes: Buffer;
  readonly inputBytes: number;
  /** True for the last complete line of a read: what is available now ends here (an interactive user pressed Enter). */
  readonly lastInChunk: boolean;
}

/**
 * Yields the lines of `input`; the last line may lack a final `\n`.
 * @param input - a byte stream (a file read stream, stdin).
 * @param maxLineBytes - longest accepted line; longer ones throw {@link LineTooLongError}.
 */
export async function* lines(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<Line> {
  let carry: Buffer[] = [];
  let carried = 0;
  let lineNumber = 0;
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    let nl = chunk.indexOf(0x0a);
    while (nl !== -1) {
      lineNumber++;
      let bytes = chunk.subarray(start, nl);
      if (carried > 0) {
        bytes = Buffer.concat([...carry, bytes]);
        carry = [];
        carried = 0;
      }
      if (bytes.length > maxLineBytes) throw new LineTooLongError(lineNumber, maxLineBytes);
      const inputBytes = bytes.length + 1;
      if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
      yield { bytes, inputBytes, lastInChunk: nl === -1 };
    }
    if (start < chunk.length) {
      carry.push(chunk.subarray(start));
      carried += chunk.length - start;
      if (carried > maxLineBytes + 1) throw new LineTooLongError(lineNumber + 1, maxLineBytes);
    }
  }
  if (carried > 0) {
    let bytes = Buffer.concat(carry);
    const inputBytes = bytes.length;
    if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    yield { bytes, inputBytes, lastInChunk: true };
  }
}
