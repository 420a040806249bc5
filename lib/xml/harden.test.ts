import { defaultLimits, harden } from './harden';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const codeOf = (input: Uint8Array, limits = defaultLimits): string | undefined => {
  const result = harden(input, limits);
  return result.ok ? undefined : result.issue.code;
};

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Candidatura>&lol9;</Candidatura>`;

const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE Candidatura [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Candidatura>&xxe;</Candidatura>`;

describe('harden', () => {
  it('passes an ordinary UTF-8 document through, without its byte order mark', () => {
    const result = harden(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('<a>perché</a>')]));
    expect(result).toEqual({ ok: true, text: '<a>perché</a>' });
  });

  it('refuses a billion-laughs document before any entity is expanded', () => {
    expect(codeOf(bytes(billionLaughs))).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses an external entity', () => {
    expect(codeOf(bytes(externalEntity))).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses a document over the size limit, checking the length before decoding', () => {
    expect(codeOf(Buffer.alloc(defaultLimits.maxBytes + 1, 0x20))).toBe('XML_TOO_LARGE');
    expect(codeOf(bytes('<a/>'), { ...defaultLimits, maxBytes: 3 })).toBe('XML_TOO_LARGE');
  });

  it('refuses bytes that are not UTF-8, and documents declaring another encoding', () => {
    expect(codeOf(Buffer.from([0x3c, 0x61, 0x3e, 0xe8, 0x3c, 0x2f, 0x61, 0x3e]))).toBe('XML_INVALID_UTF8');
    expect(codeOf(bytes('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'))).toBe('XML_UNSUPPORTED_ENCODING');
    expect(codeOf(bytes('<?xml version="1.0" encoding="utf-8"?><a/>'))).toBeUndefined();
  });

  it('refuses characters XML forbids', () => {
    expect(codeOf(bytes('<a>\u0001</a>'))).toBe('XML_INVALID_CHARACTER');
  });

  it('refuses nesting deeper than the limit, ignoring markup inside comments and CDATA', () => {
    const deep = (n: number): string => `${'<a>'.repeat(n)}${'</a>'.repeat(n)}`;
    expect(codeOf(bytes(deep(defaultLimits.maxDepth)))).toBeUndefined();
    expect(codeOf(bytes(deep(defaultLimits.maxDepth + 1)))).toBe('XML_TOO_DEEP');
    expect(
      codeOf(bytes(`<a><!-- ${'<b>'.repeat(100)} --><![CDATA[${'<c>'.repeat(100)}]]><d x=">"/></a>`)),
    ).toBeUndefined();
  });

  it('says what is wrong in a sentence', () => {
    const result = harden(bytes(billionLaughs));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issue.message).toMatch(/DOCTYPE/);
  });
});
