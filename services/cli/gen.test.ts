import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { validateDocument } from '../../lib/xml/validate';

const root = join(__dirname, '../..');

function gen(...args: string[]): { status: number; lines: Record<string, unknown>[]; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'services/cli/main.ts'), 'gen', ...args],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: result.status ?? -1, lines, stderr: result.stderr };
}

describe('ncn gen --messages', () => {
  const items = ['--seed', '7', '--cvs', '50', '--vacancies', '50', '--inps', '0', '--co', '0'];

  it('adds messages of interest and replies after the same items, each valid and saying where it goes', () => {
    const plain = gen(...items);
    const run = gen(...items, '--messages', '20');
    expect(run.status).toBe(0);
    const messages = run.lines.filter((l) => l.kind === 'messaggio');
    expect(run.lines.slice(0, plain.lines.length)).toEqual(plain.lines);
    expect(messages).toHaveLength(run.lines.length - plain.lines.length);
    expect(messages.filter((m) => m.note === '03')).toHaveLength(20);
    for (const m of messages) {
      expect(validateDocument(Buffer.from(String(m.xml))).kind).toBe('Messaggio');
      expect(m).toMatchObject({
        topic: expect.stringMatching(/^nr\.\d{2}\.in$/),
        key: expect.stringMatching(/^\d{25}$/),
      });
      expect(m).toHaveProperty(m.note === '04' ? 'replyNode' : 'owner');
    }
  });

  it('says so when no item is open to write about', () => {
    const run = gen('--cvs', '0', '--vacancies', '0', '--inps', '1', '--co', '0', '--messages', '5');
    expect(run.status).toBe(0);
    expect(run.lines).toHaveLength(1);
    expect(run.stderr).toMatch(/no CV or vacancy is open at the end of the day/);
  });
});
