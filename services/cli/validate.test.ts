import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidaturaCases, vacancyCases } from '../../test/support/xml-cases';

const root = join(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/xml');

function ncn(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'services/cli/main.ts'), ...args],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

interface JsonVerdict {
  file: string;
  valid: boolean;
  kind: string | null;
  issues: { code: string; path: string; severity: string }[];
}

describe('ncn validate', () => {
  it('accepts the hand-written CV and vacancy of the standard, with exit code 0', () => {
    const run = ncn('validate', join(fixtures, 'candidatura-valid.xml'), join(fixtures, 'vacancy-valid.xml'));
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/valid Candidatura/);
    expect(run.stdout).toMatch(/valid Vacancy/);
    expect(run.stdout).toMatch(/2 valid, 0 invalid/);
  });

  it('rejects one document per error class with its code and path, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncn-validate-'));
    const cases = [
      ...candidaturaCases.map((c) => ({ ...c, kind: 'cv' })),
      ...vacancyCases.map((c) => ({ ...c, kind: 'vacancy' })),
    ];
    const files = cases.map((c, i) => {
      const file = join(dir, `${i}-${c.kind}.xml`);
      writeFileSync(file, c.bytes);
      return file;
    });
    const run = ncn('validate', '--json', ...files);
    expect(run.status).toBe(1);
    const verdicts = JSON.parse(run.stdout) as JsonVerdict[];
    expect(verdicts).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      expect(verdicts[i]?.issues).toContainEqual(
        expect.objectContaining({ code: c.code, path: c.path, severity: c.severity ?? 'error' }),
      );
      expect(verdicts[i]?.valid).toBe(c.severity === 'warning');
    });
  });

  it('takes a Messaggio: accepts the hand-written reply, refuses one naming no item and a reply naming no 03', () => {
    const valid = ncn('validate', join(fixtures, 'messaggio-reply.xml'));
    expect(valid.status).toBe(0);
    expect(valid.stdout).toMatch(/messaggio-reply\.xml\s+valid Messaggio/);
    const message = readFileSync(join(fixtures, 'messaggio-reply.xml'), 'utf8');
    const dir = mkdtempSync(join(tmpdir(), 'ncn-validate-'));
    const broken = [
      {
        name: 'no-item.xml',
        from: /\s*<codiceoffertacandidatura>[^<]*<\/codiceoffertacandidatura>/,
        code: 'MESSAGE_ITEM_MISSING',
      },
      {
        name: 'no-previous.xml',
        from: /\s*<codicemessaggioprecedente>[^<]*<\/codicemessaggioprecedente>/,
        code: 'REPLY_WITHOUT_PREVIOUS',
      },
    ];
    const files = broken.map(({ name, from }) => {
      const edited = message.replace(from, '');
      expect(edited).not.toBe(message);
      writeFileSync(join(dir, name), edited);
      return join(dir, name);
    });
    const run = ncn('validate', '--json', ...files);
    expect(run.status).toBe(1);
    const verdicts = JSON.parse(run.stdout) as JsonVerdict[];
    expect(verdicts.map((v) => [v.kind, v.valid, v.issues.map((i) => i.code)])).toEqual(
      broken.map((b) => ['Messaggio', false, [b.code]]),
    );
  });

  it('names the three documents of the standard in its help', () => {
    const help = ncn('validate', '--help').stdout;
    for (const kind of ['Candidatura', 'Vacancy', 'Messaggio']) expect(help).toContain(kind);
  });

  it('says clearly when a file cannot be read', () => {
    const run = ncn('validate', '/nonexistent/cv.xml');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/cannot read: ENOENT/);
  });
});
