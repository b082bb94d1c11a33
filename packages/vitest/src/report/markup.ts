// Text in HTML and SVG (XML) markup: the five characters that could end a text or an attribute, escaped
// and read back. The chart's embedded data and the HTML report both go through here.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

const UNESCAPES: Record<string, string> = Object.fromEntries(
  Object.entries(ESCAPES).map(([char, entity]) => [entity, char]),
)

/**
 * Text made safe for HTML or XML content and attribute values.
 *
 * @example
 * escapeHtml('<p95 & "seed">') // '&lt;p95 &amp; &quot;seed&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

/**
 * The text `escapeHtml` escaped, back.
 *
 * @example
 * unescapeHtml('&lt;p95 &amp; &quot;seed&quot;&gt;') // '<p95 & "seed">'
 */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => UNESCAPES[entity] ?? entity)
}
