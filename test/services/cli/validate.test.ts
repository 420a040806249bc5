import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { candidaturaCases, vacancyCases } from '../xml/cases';

const root = join(__dirname, '../../..');
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

  it('says clearly when a file cannot be read', () => {
    const run = ncn('validate', '/nonexistent/cv.xml');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/cannot read: ENOENT/);
  });
});
