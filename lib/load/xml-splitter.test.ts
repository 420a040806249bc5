import { XmlSplitter, type XmlPiece } from './xml-splitter';

/** What the splitter gives for a text fed in the given pieces. */
function split(chunks: readonly string[], record = 'R', maxRecordChars?: number): XmlPiece[] {
  const splitter = new XmlSplitter(record, maxRecordChars);
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
}

const elements = (pieces: readonly XmlPiece[]): { text: string; line: number; ordinal: number }[] =>
  pieces.flatMap((p) => (p.kind === 'element' ? [{ text: p.text, line: p.line, ordinal: p.ordinal }] : []));

const problems = (pieces: readonly XmlPiece[]): Omit<Extract<XmlPiece, { kind: 'problem' }>, 'kind'>[] =>
  pieces.flatMap((p) => (p.kind === 'problem' ? [{ line: p.line, message: p.message, fatal: p.fatal, ...(p.ordinal === undefined ? {} : { ordinal: p.ordinal }) }] : [])); // prettier-ignore

describe('the XML splitter', () => {
  const wrapped = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- a batch: <R>not a record</R> -->',
    '<Lotto xmlns:x="urn:x">',
    '  <R a="1 > 0"><A>one</A><![CDATA[</R> <R>]]><?pi </R>?></R>',
    '  <x:R>',
    '    <x:A>two</x:A>',
    '  </x:R>',
    '  <R/>',
    '</Lotto>',
    '',
  ].join('\n');

  it('cuts out each record of a wrapper with its line and number, skipping comments, CDATA and PIs', () => {
    const pieces = split([wrapped]);
    expect(pieces[0]).toEqual({ kind: 'wrapper', name: 'Lotto', line: 3 });
    expect(elements(pieces)).toEqual([
      { text: '<R xmlns:x="urn:x" a="1 > 0"><A>one</A><![CDATA[</R> <R>]]><?pi </R>?></R>', line: 4, ordinal: 1 },
      { text: '<x:R xmlns:x="urn:x">\n    <x:A>two</x:A>\n  </x:R>', line: 5, ordinal: 2 },
      { text: '<R xmlns:x="urn:x"/>', line: 8, ordinal: 3 },
    ]);
    expect(problems(pieces)).toEqual([]);
  });

  it('gives the same pieces whatever the chunks: cut at every position, and one character at a time', () => {
    const whole = split([wrapped]);
    for (let at = 0; at <= wrapped.length; at++) {
      expect(split([wrapped.slice(0, at), wrapped.slice(at)])).toEqual(whole);
    }
    expect(split([...wrapped])).toEqual(whole);
  });

  it('reads documents one after another, each with its own declaration', () => {
    const text = '<?xml version="1.0"?>\n<R>1</R>\n<?xml version="1.0"?>\n<R>2</R>\n';
    expect(elements(split([text]))).toEqual([
      { text: '<R>1</R>', line: 2, ordinal: 1 },
      { text: '<R>2</R>', line: 4, ordinal: 2 },
    ]);
  });

  it('keeps a namespace a record declares itself rather than the wrapper one', () => {
    const text = '<W xmlns="urn:w" xmlns:y="urn:y"><R xmlns="urn:r"/></W>';
    expect(elements(split([text]))[0]?.text).toBe('<R xmlns:y="urn:y" xmlns="urn:r"/>');
  });

  it('loses only the record that is not closed, and reads the next one', () => {
    const text = '<W>\n<R><A>1</A>\n<R><A>2</A></R>\n</W>';
    const pieces = split([text]);
    expect(problems(pieces)).toEqual([
      {
        line: 2,
        ordinal: 1,
        message: 'this <R> is not closed before the next one at line 3: add </R>.',
        fatal: false,
      },
    ]);
    expect(elements(pieces)).toEqual([{ text: '<R><A>2</A></R>', line: 3, ordinal: 2 }]);
  });

  it('says when the file is cut short inside a record or before the wrapper ends', () => {
    expect(problems(split(['<W>\n<R>1</R>\n<R>2']))).toEqual([
      {
        line: 3,
        ordinal: 2,
        message: 'the file ends inside this <R>: the file is cut short, or </R> is missing.',
        fatal: false,
      },
    ]);
    expect(problems(split(['<W>\n<R>1</R>\n']))).toEqual([
      { line: 3, message: 'the file ends before </W>: the file may be cut short.', fatal: false },
    ]);
  });

  it('stops at a DOCTYPE and at an encoding other than UTF-8', () => {
    expect(problems(split(['<!DOCTYPE W [<!ENTITY e "e">]>\n<W><R/></W>']))).toEqual([
      { line: 1, message: 'the file has a DOCTYPE; DTDs are not accepted: remove it.', fatal: true },
    ]);
    expect(problems(split(['<?xml version="1.0" encoding="ISO-8859-1"?><R/>']))[0]).toMatchObject({
      message: expect.stringMatching(/declares encoding ISO-8859-1; only UTF-8 is read: convert it \(e\.g\. iconv/),
      fatal: true,
    });
  });

  it('reports text outside records, and end tags that close nothing', () => {
    expect(problems(split(['<W>\n<R/>\nstray words\n<R/>\n</W>\n</X>']))).toEqual([
      {
        line: 3,
        message: "text 'stray words' is outside any <R>: only elements may stand between records, remove it.",
        fatal: false,
      },
      { line: 6, message: '</X> closes no element that is open here: remove it.', fatal: false },
    ]);
  });

  it('skips a record larger than the limit without holding it', () => {
    const big = `<W><R>${'x'.repeat(5_000)}</R><R>small</R></W>`;
    const pieces = split([...big.match(/[\s\S]{1,100}/g)!], 'R', 1_000);
    expect(problems(pieces)).toEqual([
      {
        line: 1,
        ordinal: 1,
        message: 'this <R> is larger than 1000 characters: no record of the standard is, check the file.',
        fatal: false,
      },
    ]);
    expect(elements(pieces)).toEqual([{ text: '<R>small</R>', line: 1, ordinal: 2 }]);
  });

  it('splits 200,000 records fed in 64 KiB chunks in linear time', () => {
    const record = '  <R xmlns:a="urn:a">\n    <A>text &amp; more</A>\n    <!-- note -->\n  </R>\n';
    const text = `<W>\n${record.repeat(200_000)}</W>\n`;
    const chunks = text.match(/[\s\S]{1,65536}/g)!;
    const started = Date.now();
    const splitter = new XmlSplitter('R');
    let count = 0;
    let last: XmlPiece | undefined;
    for (const chunk of chunks) {
      for (const piece of splitter.push(chunk)) {
        if (piece.kind === 'element') count++;
        last = piece;
      }
    }
    expect(splitter.end()).toEqual([]);
    expect(count).toBe(200_000);
    expect(last).toMatchObject({ kind: 'element', line: 2 + 4 * 199_999, ordinal: 200_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
