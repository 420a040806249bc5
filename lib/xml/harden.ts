import { IssueCode, error, type Issue } from './issues';

/** Limits applied before any parsing. */
export interface HardeningLimits {
  /** Largest accepted document in bytes. Default 512 KiB. */
  readonly maxBytes: number;
  /** Deepest accepted element nesting. Default 32 (the standard needs 5). */
  readonly maxDepth: number;
}

export const defaultLimits = { maxBytes: 512 * 1024, maxDepth: 32 } as const satisfies HardeningLimits;

export type Hardened = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly issue: Issue };

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const DECLARED_ENCODING = /^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
// Characters XML 1.0 forbids (§2.2); lone surrogates cannot survive strict UTF-8 decoding.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const DTD = /<!(DOCTYPE|ENTITY)/i;

/**
 * Refuses, in one linear pass and bounded memory, what must never reach a parser: oversized input, bytes that
 * are not UTF-8, any DOCTYPE or entity declaration (billion laughs, external entities), characters XML
 * forbids, and nesting deeper than the limit. Returns the decoded text.
 */
export function harden(bytes: Uint8Array, limits: HardeningLimits = defaultLimits): Hardened {
  if (bytes.length > limits.maxBytes) {
    return refuse(IssueCode.TooLarge, `The document is ${bytes.length} bytes; the limit is ${limits.maxBytes} bytes.`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return refuse(IssueCode.InvalidUtf8, 'The document is not valid UTF-8: send it encoded in UTF-8.');
  }
  // The decoder has removed one byte order mark; a second one is content before the root (not well-formed).
  const declared = DECLARED_ENCODING.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?8$/i.test(declared)) {
    return refuse(IssueCode.UnsupportedEncoding, `The document declares encoding ${declared}; only UTF-8 is accepted.`);
  }
  if (DTD.test(text)) {
    return refuse(
      IssueCode.DoctypeForbidden,
      'The document contains a DOCTYPE or ENTITY declaration; these are not accepted (remove the DTD).',
    );
  }
  const bad = FORBIDDEN_CHARACTER.exec(text);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return refuse(
      IssueCode.InvalidCharacter,
      `The document contains U+${code} at offset ${bad.index}, which XML forbids.`,
    );
  }
  const depth = maxDepth(text, limits.maxDepth);
  if (depth > limits.maxDepth) {
    return refuse(IssueCode.TooDeep, `Elements are nested deeper than ${limits.maxDepth} levels.`);
  }
  return { ok: true, text };
}

function refuse(code: IssueCode, message: string): Hardened {
  return { ok: false, issue: error(code, '/', message) };
}

/**
 * The deepest element nesting, stopping as soon as it passes `limit`. Skips comments, CDATA and processing
 * instructions; well-formedness is the parser's job, this only bounds the work it will be given.
 */
function maxDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    if (text.startsWith('<!--', i)) {
      i = skipTo(text, '-->', i);
    } else if (text.startsWith('<![CDATA[', i)) {
      i = skipTo(text, ']]>', i);
    } else if (text.startsWith('<?', i)) {
      i = skipTo(text, '?>', i);
    } else if (text.startsWith('<!', i)) {
      i = skipTo(text, '>', i);
    } else if (text[i + 1] === '/') {
      depth--;
      i = skipTo(text, '>', i);
    } else {
      const end = tagEnd(text, i);
      if (end === -1) return deepest;
      if (text[end - 1] !== '/') {
        depth++;
        if (depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
      }
      i = end + 1;
    }
    i = text.indexOf('<', i);
  }
  return deepest;
}

function skipTo(text: string, marker: string, from: number): number {
  const at = text.indexOf(marker, from);
  return at === -1 ? text.length : at + marker.length;
}

/** The `>` closing a start tag, skipping quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i;
    }
  }
  return -1;
}
