/** An element of a parsed XML document. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

// XML 1.0's Char production: what may appear anywhere in a document, escaped or not.
const CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw)) throw new Error(`${where}: a bare & or an unknown entity`);
  const out = raw.replace(ENTITY, (_, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
    name ? NAMED[name]! : String.fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16)));
  if (!CHAR.test(out)) throw new Error(`${where}: a character XML 1.0 forbids, even as a reference`);
  return out;
}

/**
 * A strict reader of the XML subset cortex writes (a declaration, elements, attributes, text):
 * throws on anything an XML 1.0 parser would reject in it — forbidden characters, bare `&`,
 * `<` in an attribute, duplicate attributes, unbalanced tags. No parser ships with the package.
 */
export function parseXml(doc: string): XmlElement {
  if (!CHAR.test(doc)) throw new Error('the document holds a character XML 1.0 forbids');
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*/.exec(doc);
  if (!decl) throw new Error('no XML declaration');
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  token.lastIndex = decl[0].length;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  while (token.lastIndex < doc.length) {
    const at = token.lastIndex;
    const m = token.exec(doc);
    if (!m) throw new Error(`malformed at offset ${at}: ${JSON.stringify(doc.slice(at, at + 40))}`);
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += decode(m[5], `text at ${at}`);
      continue;
    }
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      if (top.name !== name || attrText || selfClose) throw new Error(`</${name}> at ${at} closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([A-Za-z][\w.-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} at ${at}`);
      attrs[a[1]!] = decode(a[2]!, `attribute ${a[1]} at ${at}`);
    }
    const el: XmlElement = { name: name!, attrs, children: [], text: '' };
    top.children.push(el);
    if (!selfClose) stack.push(el);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw new Error('not exactly one root element');
  return elements[0]!;
}
