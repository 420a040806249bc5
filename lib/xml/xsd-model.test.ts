import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTree } from './tree';
import { compileSchema, type SchemaModel } from './xsd-model';
import { validateAgainstSchema } from './xsd-validate';

/** A schema in no namespace around `body` (top-level declarations), like did_inps.xsd. */
const schema = (body: string): SchemaModel =>
  compileSchema(
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">${body}</xs:schema>`,
  );

/** The codes and paths the validator gives a document, `code path` each. */
function issues(model: SchemaModel, xml: string): string[] {
  const tree = parseTree(xml);
  if (!tree.ok) throw new Error(tree.issue.message);
  return validateAgainstSchema(tree.root, model).map((i) => `${i.code} ${i.path}`);
}

/** A root `r` whose complex type is `type`. */
const root = (type: string, more = ''): SchemaModel =>
  schema(`<xs:element name="r"><xs:complexType>${type}</xs:complexType></xs:element>${more}`);

describe('the XSD model and validator, construct by construct', () => {
  it('compiles the four standards the node reads', () => {
    for (const file of [
      'contracts/xml/candidatura.xsd',
      'contracts/xml/vacancy.xsd',
      'contracts/xml/inps/did_inps.xsd',
      'contracts/xml/co/unilav_in.xsd',
    ]) {
      const model = compileSchema(readFileSync(join(__dirname, '../..', file), 'utf8'));
      expect(model.elements.size).toBeGreaterThan(0);
    }
  });

  it('reads a schema without targetNamespace: its elements are in no namespace', () => {
    const model = root('<xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence>');
    expect(model.targetNamespace).toBeUndefined();
    expect(issues(model, '<r><a>x</a></r>')).toEqual([]);
    expect(issues(model, '<r xmlns="urn:x"><a>x</a></r>')).toEqual(['XSD_UNKNOWN_DOCUMENT /r']);
  });

  it('passes over processing instructions inside a restriction and between declarations', () => {
    const model = schema(
      '<?note?><xs:element name="r"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="I"/><?INSERT?></xs:restriction></xs:simpleType></xs:element>',
    );
    expect(issues(model, '<r>I</r>')).toEqual([]);
    expect(issues(model, '<r>INSERT</r>')).toEqual(['XSD_ENUMERATION /r']);
  });

  describe('xs:choice with occurrences', () => {
    const model = root(
      '<xs:sequence><xs:element name="a" type="xs:string"/><xs:choice minOccurs="1" maxOccurs="2"><xs:element name="t" type="xs:string"/><xs:element name="c" type="xs:string"/></xs:choice><xs:element name="z" type="xs:string" minOccurs="0"/></xs:sequence>',
    );
    it.each([
      ['one branch', '<r><a/><t/></r>', []],
      ['the other', '<r><a/><c/><z/></r>', []],
      ['two, in any order', '<r><a/><c/><t/></r>', []],
      ['the same twice', '<r><a/><t/><t/><z/></r>', []],
      ['none', '<r><a/><z/></r>', ['XSD_MISSING_ELEMENT /r/t']],
      ['none at the end', '<r><a/></r>', ['XSD_MISSING_ELEMENT /r/t']],
      ['three', '<r><a/><t/><c/><t/></r>', ['XSD_UNEXPECTED_ELEMENT /r/t[2]']],
    ])('%s', (_, xml, expected) => {
      expect(issues(model, xml)).toEqual(expected);
    });

    it('an optional choice of one', () => {
      const optional = root(
        '<xs:sequence><xs:element name="a" type="xs:string"/><xs:choice minOccurs="0"><xs:element name="p" type="xs:unsignedInt"/><xs:element name="q" type="xs:unsignedInt"/></xs:choice></xs:sequence>',
      );
      expect(issues(optional, '<r><a/></r>')).toEqual([]);
      expect(issues(optional, '<r><a/><q>7</q></r>')).toEqual([]);
      expect(issues(optional, '<r><a/><p>1</p><q>7</q></r>')).toEqual(['XSD_UNEXPECTED_ELEMENT /r/q']);
    });
  });

  describe('attributes', () => {
    const model = root(
      '<xs:sequence/><xs:attribute name="d" type="xs:date" use="required"/><xs:attribute name="k" use="optional"><xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="[A-Z](\\.[0-9]{2}){2}"/></xs:restriction></xs:simpleType></xs:attribute>',
    );
    it.each([
      ['present and of their type', '<r d="2026-01-31" k="A.01.00"/>', []],
      ['optional left out', '<r d="2026-01-31"/>', []],
      ['required missing', '<r k="A.01.00"/>', ['XSD_MISSING_ATTRIBUTE /r/@d']],
      ['out of their type', '<r d="2026-02-30" k="B01"/>', ['XSD_DATE /r/@d', 'XSD_PATTERN /r/@k']],
      ['undeclared', '<r d="2026-01-31" x="1"/>', ['XSD_ATTRIBUTE_NOT_ALLOWED /r/@x']],
      ['in a namespace', '<r xmlns:o="urn:o" d="2026-01-31" o:k="A.01.00"/>', ['XSD_ATTRIBUTE_NOT_ALLOWED /r/@k']],
      ['with whitespace in an empty element', '<r d="2026-01-31"> </r>', ['XSD_TEXT_NOT_ALLOWED /r']],
    ])('%s', (_, xml, expected) => {
      expect(issues(model, xml)).toEqual(expected);
    });
  });

  describe('xs:extension of a complex type and xs:group references', () => {
    const model = schema(
      `<xs:group name="g"><xs:sequence><xs:element name="m" type="xs:string" minOccurs="0"/></xs:sequence></xs:group>
       <xs:complexType name="B"><xs:sequence><xs:element name="a" type="xs:string"/></xs:sequence><xs:attribute name="x" type="xs:string" use="required"/></xs:complexType>
       <xs:complexType name="E"><xs:complexContent mixed="false"><xs:extension base="B"><xs:sequence><xs:element name="b" type="xs:string"/></xs:sequence><xs:attribute name="y" type="xs:string"/></xs:extension></xs:complexContent></xs:complexType>
       <xs:complexType name="G"><xs:complexContent mixed="false"><xs:extension base="B"><xs:group ref="g"/></xs:extension></xs:complexContent></xs:complexType>
       <xs:element name="r"><xs:complexType><xs:sequence><xs:element name="e" type="E"/><xs:element name="g" type="G"/><xs:element name="n"><xs:complexType><xs:complexContent><xs:extension base="B"/></xs:complexContent></xs:complexType></xs:element></xs:sequence></xs:complexType></xs:element>`,
    );
    it.each([
      ['base then extension', '<r><e x="1" y="2"><a/><b/></e><g x="1"><a/><m/></g><n x="1"><a/></n></r>', []],
      [
        'extension before base',
        '<r><e x="1"><b/><a/></e><g x="1"><a/></g><n x="1"><a/></n></r>',
        ['XSD_MISSING_ELEMENT /r/e/a'],
      ],
      [
        'base attribute missing',
        '<r><e y="2"><a/><b/></e><g x="1"><a/></g><n x="1"><a/></n></r>',
        ['XSD_MISSING_ATTRIBUTE /r/e/@x'],
      ],
      [
        'group element repeated',
        '<r><e x="1"><a/><b/></e><g x="1"><a/><m/><m/></g><n x="1"><a/></n></r>',
        ['XSD_UNEXPECTED_ELEMENT /r/g/m[2]'],
      ],
      [
        'extension attribute on the base',
        '<r><e x="1"><a/><b/></e><g x="1" y="2"><a/></g><n x="1"><a/></n></r>',
        ['XSD_ATTRIBUTE_NOT_ALLOWED /r/g/@y'],
      ],
    ])('%s', (_, xml, expected) => {
      expect(issues(model, xml)).toEqual(expected);
    });
  });

  describe('numbers', () => {
    const model = root(
      '<xs:sequence><xs:element name="i" minOccurs="0"><xs:simpleType><xs:restriction base="xs:integer"><xs:totalDigits value="3"/></xs:restriction></xs:simpleType></xs:element><xs:element name="d" type="xs:decimal" minOccurs="0"/><xs:element name="u" type="xs:unsignedInt" minOccurs="0"/></xs:sequence>',
    );
    it.each([
      ['<i>123</i>', []],
      ['<i> +012 </i>', []],
      ['<i>00000</i>', []],
      ['<i>-999</i>', []],
      ['<i>1234</i>', ['XSD_TOTAL_DIGITS /r/i']],
      ['<i>1.0</i>', ['XSD_NUMBER /r/i']],
      ['<i></i>', ['XSD_NUMBER /r/i']],
      ['<i>1 2</i>', ['XSD_NUMBER /r/i']],
      ['<d>.5</d>', []],
      ['<d>-5.</d>', []],
      ['<d>\t1200.50\n</d>', []],
      ['<d>1e3</d>', ['XSD_NUMBER /r/d']],
      ['<d>1,5</d>', ['XSD_NUMBER /r/d']],
      ['<d>.</d>', ['XSD_NUMBER /r/d']],
      ['<u>4294967295</u>', []],
      ['<u>-0</u>', []],
      ['<u>+5</u>', []],
      ['<u>4294967296</u>', ['XSD_NUMBER /r/u']],
      ['<u>-1</u>', ['XSD_NUMBER /r/u']],
      ['<u>١</u>', ['XSD_NUMBER /r/u']],
    ])('%s', (inner, expected) => {
      expect(issues(model, `<r>${inner}</r>`)).toEqual(expected);
    });
  });

  describe('simple types derived from the schema own and their facets', () => {
    const model = schema(
      `<xs:simpleType name="S"><xs:restriction base="xs:string"><xs:minLength value="1"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="Short"><xs:restriction base="S"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="Digit"><xs:restriction base="S"><xs:maxLength value="1"/><xs:pattern value="\\d{1}"/></xs:restriction></xs:simpleType>
       <xs:simpleType name="P"><xs:restriction base="xs:string"><xs:pattern value="[0-9]{0,9}"/></xs:restriction></xs:simpleType>
       <xs:element name="r"><xs:complexType><xs:sequence>
         <xs:element name="s" type="Short" minOccurs="0"/>
         <xs:element name="c" minOccurs="0"><xs:simpleType><xs:restriction base="xs:string"><xs:length value="11"/></xs:restriction></xs:simpleType></xs:element>
         <xs:element name="p" minOccurs="0"><xs:simpleType><xs:restriction base="P"><xs:pattern value="[1-9].*"/></xs:restriction></xs:simpleType></xs:element>
         <xs:element name="m" minOccurs="0"><xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="2"/><xs:enumeration value="I"/><xs:enumeration value="D"/></xs:restriction></xs:simpleType></xs:element>
         <xs:element name="d" type="Digit" minOccurs="0"/>
       </xs:sequence></xs:complexType></xs:element>`,
    );
    it.each([
      ['<s>abc</s>', []],
      ['<s></s>', ['XSD_MIN_LENGTH /r/s']],
      ['<s>abcd</s>', ['XSD_MAX_LENGTH /r/s']],
      ['<c>C0315100001</c>', []],
      ['<c>C031510</c>', ['XSD_MIN_LENGTH /r/c']],
      ['<c>C03151000011</c>', ['XSD_MAX_LENGTH /r/c']],
      ['<p>120</p>', []],
      // Each restriction step's patterns hold: the base's [0-9]{0,9} and the type's own [1-9].*.
      ['<p>1x</p>', ['XSD_PATTERN /r/p']],
      ['<p>012</p>', ['XSD_PATTERN /r/p']],
      ['<m>D</m>', []],
      ['<m>X</m>', ['XSD_ENUMERATION /r/m']],
      ['<d>7</d>', []],
      ['<d></d>', ['XSD_PATTERN /r/d', 'XSD_MIN_LENGTH /r/d']],
    ])('%s', (inner, expected) => {
      expect(issues(model, `<r>${inner}</r>`)).toEqual(expected);
    });
  });

  it.each([
    [
      'an attribute default',
      '<xs:element name="r"><xs:complexType><xs:attribute name="a" type="xs:string" default="x"/></xs:complexType></xs:element>',
    ],
    ['a nillable element', '<xs:element name="r" type="xs:string" nillable="true"/>'],
    [
      'xs:all',
      '<xs:element name="r"><xs:complexType><xs:all><xs:element name="a" type="xs:string"/></xs:all></xs:complexType></xs:element>',
    ],
    [
      'xs:any',
      '<xs:element name="r"><xs:complexType><xs:sequence><xs:any/></xs:sequence></xs:complexType></xs:element>',
    ],
    [
      'mixed content',
      '<xs:element name="r"><xs:complexType><xs:complexContent mixed="true"><xs:extension base="B"/></xs:complexContent></xs:complexType></xs:element><xs:complexType name="B"/>',
    ],
    [
      'xs:simpleContent',
      '<xs:element name="r"><xs:complexType><xs:simpleContent><xs:extension base="xs:string"/></xs:simpleContent></xs:complexType></xs:element>',
    ],
    ['another built-in', '<xs:element name="r" type="xs:boolean"/>'],
    [
      'a facet the base has not',
      '<xs:element name="r"><xs:simpleType><xs:restriction base="xs:string"><xs:totalDigits value="3"/></xs:restriction></xs:simpleType></xs:element>',
    ],
    ['an untyped element', '<xs:element name="r"/>'],
    ['an attribute group', '<xs:attributeGroup name="g"/>'],
    [
      'use prohibited',
      '<xs:element name="r"><xs:complexType><xs:attribute name="a" type="xs:string" use="prohibited"/></xs:complexType></xs:element>',
    ],
  ])('refuses what is outside the subset: %s', (_, body) => {
    expect(() => schema(body)).toThrow();
  });
});
