/**
 * Poison submissions of every bad-input class ingest must refuse (the fifteen of `ingest.int.test.ts`), made from
 * a valid generated CV. Each class names the error code its receipt must carry.
 */
export interface PoisonClass {
  readonly name: string;
  readonly code: string;
  /** Makes the poison from a valid CV (fresh code `code`, sent by `node`); `owned` is a CV another node created. */
  readonly make: (cv: string, ctx: { code: string; node: string; others: string; own: string }) => Buffer;
}

const setCode = (cv: string, code: string): string =>
  cv
    .replace(/<codicecandidatura>[^<]*<\/codicecandidatura>/, `<codicecandidatura>${code}</codicecandidatura>`)
    .replace(/\s*<codicecandidaturaprecedente>[^<]*<\/codicecandidaturaprecedente>/, '');
const withPrevious = (cv: string, previous: string): string =>
  cv.replace(
    /(<codicecandidatura>[^<]*<\/codicecandidatura>)/,
    `$1<codicecandidaturaprecedente>${previous}</codicecandidaturaprecedente>`,
  );

const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]><Candidatura>&lol9;</Candidatura>`;

export const PoisonClasses: readonly PoisonClass[] = [
  { name: 'malformed XML', code: 'XML_MALFORMED', make: (cv) => Buffer.from(cv.slice(0, Math.floor(cv.length / 2))) },
  {
    name: 'an external entity',
    code: 'XML_DOCTYPE_FORBIDDEN',
    make: () => Buffer.from('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><c>&x;</c>'),
  },
  { name: 'a billion laughs', code: 'XML_DOCTYPE_FORBIDDEN', make: () => Buffer.from(laughs) },
  {
    // Over the 512 KiB limit: refused before parsing, and its bytes kept in the DLQ (which takes up to 16 MiB).
    name: 'an oversized document (1 MiB)',
    code: 'XML_TOO_LARGE',
    make: (cv) => Buffer.concat([Buffer.from(cv), Buffer.alloc(1024 * 1024, 0x20)]),
  },
  {
    name: 'invalid UTF-8',
    code: 'XML_INVALID_UTF8',
    make: (cv) => {
      const b = Buffer.from(cv);
      return Buffer.concat([b.subarray(0, 200), Buffer.from([0xc3, 0x28]), b.subarray(200)]);
    },
  },
  {
    name: 'a wrong namespace',
    code: 'XSD_UNKNOWN_DOCUMENT',
    make: (cv) => Buffer.from(cv.replace('http://servizi.lavoro.gov.it/candidatura', 'http://example.org/cv')),
  },
  {
    name: 'a wrong root',
    code: 'XSD_UNKNOWN_DOCUMENT',
    make: (cv) => Buffer.from(cv.replace(/<(\/?)Candidatura/g, '<$1Curriculum')),
  },
  {
    name: 'a missing required element',
    code: 'XSD_MISSING_ELEMENT',
    make: (cv) => Buffer.from(cv.replace(/\s*<nome>[^<]*<\/nome>/, '')),
  },
  {
    name: 'an invalid codice fiscale',
    code: 'CF_CHECK_CHARACTER',
    make: (cv) =>
      Buffer.from(
        cv.replace(
          /<codicefiscale>([A-Z0-9]{15})([A-Z])<\/codicefiscale>/,
          (_, body: string, check: string) => `<codicefiscale>${body}${check === 'A' ? 'B' : 'A'}</codicefiscale>`,
        ),
      ),
  },
  {
    name: 'an unknown comune',
    code: 'COMUNE_UNKNOWN',
    make: (cv) => Buffer.from(cv.replace(/(<Domicilio>\s*<idcomune>)[^<]*/, '$1A000')),
  },
  {
    name: 'a domicile abroad',
    code: 'DOMICILE_NOT_IN_ITALY',
    make: (cv) => Buffer.from(cv.replace(/(<Domicilio>\s*<idcomune>)[^<]*/, '$1Z110')),
  },
  {
    name: 'a missing e-mail',
    code: 'XSD_MISSING_ELEMENT',
    make: (cv) => Buffer.from(cv.replace(/\s*<email>[^<]*<\/email>/, '')),
  },
  {
    name: 'an unknown intermediary',
    code: 'INTERMEDIARY_UNKNOWN',
    make: (cv) =>
      Buffer.from(
        cv.replace(
          '<tipocandidatura>',
          '<codicefiscaleintermediario>00000000000</codicefiscaleintermediario>\n    <tipocandidatura>',
        ),
      ),
  },
  {
    name: "an update of another node's item",
    code: 'NOT_OWNER',
    make: (cv, { others }) => Buffer.from(withPrevious(cv, others)),
  },
  {
    name: 'a close without motivo',
    code: 'CLOSE_WITHOUT_MOTIVOCHIUSURA',
    make: (cv, { own }) =>
      Buffer.from(
        withPrevious(cv, own).replace(
          /<tipocandidatura>01<\/tipocandidatura>/,
          '<tipocandidatura>02</tipocandidatura>',
        ),
      ),
  },
];

/** A poison submission of a class, from a valid new CV (its code replaced by a fresh one). */
export function poisonOf(
  kind: PoisonClass,
  cv: string,
  ctx: { code: string; node: string; others: string; own: string },
): Buffer {
  return kind.make(setCode(cv, ctx.code), ctx);
}
