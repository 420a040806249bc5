/** An element to write: either text content or child elements, in order. */
export type XmlNode =
  | { readonly name: string; readonly text: string; readonly attributes?: Readonly<Record<string, string>> }
  | {
      readonly name: string;
      readonly children: readonly XmlNode[];
      readonly attributes?: Readonly<Record<string, string>>;
    };

const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string): string => escapeText(text).replace(/"/g, '&quot;');

function attributes(node: XmlNode): string {
  return Object.entries(node.attributes ?? {})
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
}

/** Child names with a special meaning: `#text` writes escaped character data, `#raw` writes markup as is. */
export const TextNode = '#text';
export const RawNode = '#raw';

function write(node: XmlNode, indent: string, out: string[]): void {
  if ('text' in node && node.name === TextNode) {
    out.push(`${indent}${escapeText(node.text)}`);
    return;
  }
  if ('text' in node && node.name === RawNode) {
    out.push(`${indent}${node.text}`);
    return;
  }
  if ('text' in node) {
    out.push(`${indent}<${node.name}${attributes(node)}>${escapeText(node.text)}</${node.name}>`);
    return;
  }
  if (node.children.length === 0) {
    out.push(`${indent}<${node.name}${attributes(node)}/>`);
    return;
  }
  if (node.children.some((c) => c.name === TextNode || c.name === RawNode)) {
    // Mixed content is written on one line: indentation would add characters to it.
    const inline: string[] = [];
    for (const child of node.children) write(child, '', inline);
    out.push(`${indent}<${node.name}${attributes(node)}>${inline.join('')}</${node.name}>`);
    return;
  }
  out.push(`${indent}<${node.name}${attributes(node)}>`);
  for (const child of node.children) write(child, `${indent}  `, out);
  out.push(`${indent}</${node.name}>`);
}

/** Writes a document with an XML declaration, two-space indentation, and escaped text. */
export function writeXml(root: XmlNode): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  write(root, '', out);
  return `${out.join('\n')}\n`;
}

/** A text element, or nothing when the value is absent (optional elements). */
export function el(name: string, value: string | undefined): XmlNode[] {
  return value === undefined ? [] : [{ name, text: value }];
}

/** An element with children. */
export function group(name: string, children: readonly (XmlNode | readonly XmlNode[])[]): XmlNode {
  return { name, children: children.flat() };
}

/** Writes an element without the XML declaration, every line indented by `indent`: a part of a larger document. */
export function writeFragment(node: XmlNode, indent = ''): string {
  const out: string[] = [];
  write(node, indent, out);
  return `${out.join('\n')}\n`;
}
