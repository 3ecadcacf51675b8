/**
 * Generated sections of the Markdown docs: a section lives between `<!-- <name>:begin -->` and `<!-- <name>:end -->`
 * and is rendered from the code it describes, so the reference says what the code does, word for word. Pure:
 * `npm run docs` writes the sections, `test/docs.test.ts` compares them.
 */

/**
 * One table cell: a pipe would end the cell and a line break the row; outside code spans `<owner>` would be read as
 * an HTML tag and vanish.
 */
export function cell(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
  return flat
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("");
}

/** A Markdown table of `rows` under `headings`, ending with a newline. */
export function table(headings: readonly string[], rows: readonly (readonly string[])[]): string {
  const row = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`.replace(/ {2,}\|/g, " |");
  return [row(headings), `|${headings.map(() => "---").join("|")}|`, ...rows.map(row)].join("\n") + "\n";
}

function markers(markdown: string, name: string): { start: number; end: number } {
  const [beginMarker, endMarker] = [`<!-- ${name}:begin -->`, `<!-- ${name}:end -->`];
  const begin = markdown.indexOf(beginMarker);
  const end = markdown.indexOf(endMarker);
  if (begin < 0 || end < begin)
    throw new Error(`the markers ${beginMarker} ... ${endMarker} are missing or out of order`);
  return { start: begin + beginMarker.length, end };
}

/** What stands between the section's markers now, without the line break that opens it. */
export function generatedSection(markdown: string, name: string): string {
  const { start, end } = markers(markdown, name);
  return markdown.slice(start, end).replace(/^\n/, "");
}

/** The document with `content` as the section; everything outside the markers is kept as it is. */
export function withSection(markdown: string, name: string, content: string): string {
  const { start, end } = markers(markdown, name);
  return `${markdown.slice(0, start)}\n${content}${markdown.slice(end)}`;
}
