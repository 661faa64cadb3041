/** C0 controls, DEL and C1 controls: a terminal acts on these (colours, titles, cleared screens) instead of showing them. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Bidirectional overrides, isolates and marks, and the line and paragraph separators: they reorder or split what is shown. */
const INVISIBLE = /[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function hex(code: number): string {
  return code.toString(16).padStart(2, '0');
}

// Text from registries, files and tokens is printed with its control characters visible (`\x1b`), so it cannot move the cursor, retitle the window or fake a verdict.
export function escapeControls(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (options.keepNewlines && (c === '\n' || c === '\t')) return c;
    return `\\x${hex(code)}`;
  });
}

// A fact a person approves is shown with bidi controls and separators named (`<U+202E>`), so what is read is the order of the characters that are there.
export function escapeForConfirmation(text: string): string {
  return escapeControls(text).replace(INVISIBLE, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}
