import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../../test/support/load-fixture';
import { runNcn } from '../../test/support/cli';

const dir = mkdtempSync(join(tmpdir(), 'ncn-load-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('ncn load (without a broker: --dry-run)', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks a hand-written file of each feed and exits 0', async () => {
    const inps = await runNcn(['load', 'inps', '--dry-run', file('did.xml', fixture('inps/did.xml'))]);
    expect(inps.stdout).toMatch(
      /^inps: 1 record read from 1 file, 1 valid \(dry run: nothing published\), 0 skipped; in /m,
    );
    expect(inps.status).toBe(0);
    const co = await runNcn(['load', 'co', '--dry-run', file('unilav.xml', fixture('co/unilav.xml'))]);
    expect(co.stdout).toMatch(
      /^co: 1 record read from 1 file, 1 valid \(dry run: nothing published\), 0 skipped; in /m,
    );
    expect(co.status).toBe(0);
  });

  it('names file, record, line and element of each bad record, with the fix, counts it and exits 1', async () => {
    const did = fixture('inps/did.xml').replace(/<\?xml.*\?>\n<!--.*-->\n/, '');
    const bad = did.replace('<DataDichiarazione>2026-10-05', '<DataDichiarazione>2026-02-30');
    const path = file('batch.xml', `<Lotto>\n${did}${bad}${did}</Lotto>\n`);
    const run = await runNcn(['load', 'inps', '--dry-run', path]);
    expect(run.stderr).toContain(
      `${path}: record 2 (line 37), /ListaDID/DID/DataDichiarazione: '2026-02-30' is not a date: write it as YYYY-MM-DD, a day that exists (e.g. 2026-02-28).`,
    );
    expect(run.stdout).toMatch(
      /^inps: 3 records read from 1 file, 2 valid \(dry run: nothing published\), 1 skipped \(listed above\); in /m,
    );
    expect(run.status).toBe(1);
  });

  it('refuses a file it cannot read before doing anything, and says which command reads the other feed', async () => {
    const missing = await runNcn(['load', 'co', '--dry-run', join(dir, 'nowhere.xml')]);
    expect(missing.stderr).toMatch(/^ncn: cannot read .*nowhere\.xml: ENOENT/m);
    expect(missing.status).toBe(1);
    const other = await runNcn(['load', 'inps', '--dry-run', file('co.xml', fixture('co/unilav.xml'))]);
    expect(other.stderr).toMatch(
      /co\.xml: line 4: the file holds <inputUniLav>, a record of co\.rapporti: load it with `ncn load co`\./,
    );
    expect(other.status).toBe(1);
  });

  it('reads back the XML files `ncn gen --inps-xml --co-xml` writes', async () => {
    const [inps, co, rest] = ['inps.xml', 'co.xml', 'rest.ndjson'].map((name) => join(dir, name));
    const gen = await runNcn(['gen', '--seed', '3', '--cvs', '5', '--vacancies', '5', '--inps', '300', '--co', '400', '--inps-xml', inps!, '--co-xml', co!, '-o', rest!]); // prettier-ignore
    expect(gen.status).toBe(0);
    const loadInps = await runNcn(['load', 'inps', '--dry-run', inps!, rest!]);
    expect(loadInps.stdout).toMatch(
      /^inps: 300 records read from 2 files, 300 valid .*, 0 skipped, 10 lines for other topics ignored/m,
    );
    expect(loadInps.status).toBe(1); // rest.ndjson holds no INPS line: reported
    expect(loadInps.stderr).toMatch(
      /rest\.ndjson: holds no record to load \(no <ListaDID> element, no inps\.percettori line\)\./,
    );
    const loadCo = await runNcn(['load', 'co', '--dry-run', co!]);
    expect(loadCo.stdout).toMatch(/^co: 400 records read from 1 file, 400 valid .*, 0 skipped; in /m);
    expect(loadCo.status).toBe(0);
  });

  it('lists the feeds and shows examples in its help', async () => {
    const help = await runNcn(['load', '--help']);
    expect(help.stdout).toMatch(/Usage: ncn load \[options\] <feed> <files\.\.\.>/);
    expect(help.stdout).toMatch(/choices: "inps", "co"/);
    expect(help.stdout).toMatch(/Examples:\n {2}ncn load inps did\.xml/);
  });
});
