/**
 * Translates an XML Schema regular expression (XSD 1.0, Appendix F) into an anchored JavaScript RegExp.
 * XSD patterns match the whole value, `\d` is any Unicode decimal digit (\p{Nd}), and `^`/`$` are ordinary
 * characters outside a character class. The standard's schemas use only this subset. Where libxml2 reads a
 * pattern otherwise than XSD does, this follows libxml2, so a producer and the node agree.
 */
export function xsdPattern(source: string): RegExp {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charAt(i);
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      i++;
      if (next === 'd') out += '\\p{Nd}';
      else if (next === 'D') out += '\\P{Nd}';
      else out += `\\${next}`;
      // libxml2 reads no range from an escape: in `[\{-~]` it takes `{` and `~`, and drops the hyphen between.
      if (
        inClass &&
        source[i + 1] === '-' &&
        source[i + 2] !== ']' &&
        source[i + 2] !== '[' &&
        source[i + 2] !== undefined
      ) {
        i++;
      }
    } else if (c === '[' && !inClass) {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
    } else if (c === ']' && inClass) {
      inClass = false;
      out += c;
    } else if (!inClass && (c === '^' || c === '$')) {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  return new RegExp(`^(?:${out})$`, 'u');
}
