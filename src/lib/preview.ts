/**
 * @module lib/preview
 *
 * A short, single-line rendering of untrusted input for error messages, so a
 * message never echoes a large or multi-line value back. Internal.
 */

/** `value` as a JSON string, clipped to `max` characters with an ellipsis. */
export function preview(value: string, max = 40): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
