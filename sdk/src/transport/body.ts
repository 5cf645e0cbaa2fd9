/** Response body parsing shared by the transports. */

/** Parses a response body: JSON when it is JSON, null when empty, else the text itself. */
export function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
