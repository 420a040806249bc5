import { setOffsets } from '../../test/support/set-offsets';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { DeadLetterHeader } from '../../contracts/headers';
import type { ClusterStatus } from '../../infra/local/stack';
import { AuditIndex } from '../runtime/audit-index';
import { ncnProgram } from './program';
import { subjectHash } from '../../contracts/policy';
import { startLagHttp } from '../lag/http';
import { startLagMonitor, type LagMonitor } from '../lag/monitor';
import { CoXml } from '../../lib/load/co-xml';
import { InpsXml } from '../../lib/load/inps-xml';
import { createRedis } from '../runtime/redis';
import { silentLogger, testConfig, testKafka } from '../../test/support/clients';
import { freePort } from '../../test/support/free-port';
import { unique } from '../../test/support/unique';

/**
 * Every `Examples:` line of the CLI's help, run as written: each in a bash of its own (so `&&`, globs, quotes and
 * `# comments` mean what they mean to a reader who pastes the line), in a fresh directory holding the input files
 * the examples name, with `ncn` on PATH running the CLI from source. Each line has a check below; a line without
 * one, or a check without its line, fails the test. Only the demo's examples are left out: a demo test runs them
 * on a stack of its own.
 *
 * Against the shared test stack three things differ from the line as written, and only these:
 * - a line that would send to the node (submit, load, registry, dlq replay, security provision) runs with
 *   `--dry-run`, which does everything but send;
 * - the well-known ports 8090 (EURES receiver) and 8088 (lag monitor) become free ports of this test's own
 *   receiver and monitor, since others may hold those ports on the machine;
 * - `ncn audit` reads an audit index of its own in Redis (NCN_REDIS_PREFIX), which this test fills.
 */

const root = join(__dirname, '../..');
const fixtures = join(root, 'test/fixtures');

/** What a line gave. */
interface Outcome {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Its directory, holding what it wrote. */
  readonly dir: string;
  /** For a line run until ready: the outcomes of the lines run against it meanwhile. */
  readonly against?: ReadonlyMap<string, Outcome>;
}

interface Check {
  /** What the line must show; run after its exit code was found 0 (or `status`). */
  readonly expect: (outcome: Outcome) => void;
  readonly status?: number;
  /** A line that runs until stopped: it is started, and once its output matches this, the lines marked `against` it
   * run, then it gets SIGINT. */
  readonly ready?: RegExp;
  /** A line that talks to what another example line started (a curl line to `ncn eures-stub`). */
  readonly against?: string;
}

/** Sending commands (their words after `ncn`), run with --dry-run. */
const sending = [
  ['submit'],
  ['load'],
  ['registry', 'add-intermediary'],
  ['registry', 'load'],
  ['registry', 'remove'],
  ['dlq', 'replay'],
  ['security', 'provision'],
];

/** A line as a reader sees it, without its comment: the checks' key. */
const commandOf = (line: string): string => line.replace(/\s+#\s.*$/, '').trim();

/** Every command's help, by its words (`ncn`, `ncn dlq replay`, …), as `--help` prints it. */
function helpTexts(command: Command, path: string[] = ['ncn']): [string, string][] {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return [
    [path.join(' '), text],
    ...command.commands.filter((c) => c.name() !== 'help').flatMap((c) => helpTexts(c, [...path, c.name()])),
  ];
}

/** The lines of a help's `Examples:` blocks (each up to its first blank line). */
function examplesOf(help: string): string[] {
  const block: string[] = [];
  let inBlock = false;
  for (const line of help.split('\n')) {
    if (/^Examples?:\s*$/.test(line)) inBlock = true;
    else if (line.trim() === '') inBlock = false;
    else if (inBlock) block.push(line.trim());
  }
  return block;
}

const helps = helpTexts(ncnProgram());
/** Each example line once (a line in two helps runs once), with the commands whose help shows it. */
const examples = new Map<string, { line: string; commands: string[] }>();
for (const [command, help] of helps) {
  if (command === 'ncn demo') continue; // the demo test runs these, on a stack of its own
  for (const line of examplesOf(help)) {
    const key = commandOf(line);
    examples.set(key, { line, commands: [...(examples.get(key)?.commands ?? []), command] });
  }
}

/** The JSON lines of an output. */
const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const lineCount = (file: string): number =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '').length;
const elementCount = (file: string, element: string): number =>
  readFileSync(file, 'utf8').match(new RegExp(`<(\\w+:)?${element}[\\s>]`, 'g'))?.length ?? 0;

/** What this test seeds or starts for the examples. */
const lagGroup = unique('test.cli.examples-group');
const lagTopic = unique('test.cli.examples-topic');
const redisPrefix = unique('test-cli-examples');
const auditRoot = unique('12R-EXAMPLE');

/** Records of `ncn tail` in pretty form: `topic[partition]@offset time key=…`. */
const tailHeads = (text: string, topic: string): string[] => text.split('\n').filter((l) => l.startsWith(`${topic}[`));

/** A tail that stops on its own: as many records printed as it counts, in time order. */
function expectTail(out: Outcome, topic: string, most: number): void {
  const heads = tailHeads(out.stdout, topic);
  if (/is empty: it holds no record/.test(out.stderr)) {
    expect(heads).toEqual([]);
    return;
  }
  const counted = Number(/(\d+) records/.exec(out.stderr)?.[1]);
  expect(heads).toHaveLength(counted);
  expect(counted).toBeLessThanOrEqual(most);
  const times = heads.map((h) => h.split(' ')[1] ?? '');
  expect([...times].sort()).toEqual(times);
}

const checks: Record<string, Check> = {
  // ncn (the top-level help)
  'ncn gen --cvs 20 --vacancies 10 --inps 5 --co 5 -o day.ndjson': {
    expect: (out) => expect(lineCount(join(out.dir, 'day.ndjson'))).toBe(40),
  },
  // validate
  'ncn validate cv.xml vacancy.xml': {
    expect: (out) => {
      expect(out.stdout).toMatch(/cv\.xml\s+valid Candidatura/);
      expect(out.stdout).toMatch(/vacancy\.xml\s+valid Vacancy/);
      expect(out.stdout).toMatch(/2 valid, 0 invalid/);
    },
  },
  'ncn validate --json cv.xml': {
    expect: (out) =>
      expect(JSON.parse(out.stdout)).toEqual([{ file: 'cv.xml', valid: true, kind: 'Candidatura', issues: [] }]),
  },
  'ncn validate message.xml': {
    expect: (out) => {
      expect(out.stdout).toMatch(/message\.xml\s+valid Messaggio/);
      expect(out.stdout).toMatch(/1 valid, 0 invalid/);
    },
  },
  // tail
  'ncn tail nr.12.out -n 3': { expect: (out) => expectTail(out, 'nr.12.out', 3) },
  'ncn tail nr.05.out --from beginning -n 5': { expect: (out) => expectTail(out, 'nr.05.out', 5) },
  'ncn tail ncn.audit -f': {
    ready: /following ncn\.audit from its end \(Ctrl-C stops\)/,
    expect: (out) => expect(out.stderr).toMatch(/^\d+ records$/m),
  },
  'ncn tail ncn.dlq --from beginning --json': {
    expect: (out) => {
      for (const record of jsonLines(out.stdout)) expect(record).toMatchObject({ topic: 'ncn.dlq' });
    },
  },
  // audit
  'ncn audit --cf RSSMRA85T10A562S': {
    expect: (out) => {
      expect(out.stdout).toContain(`Candidatura ${auditRoot}: 1 events`);
      expect(out.stdout).toMatch(/^last, per receiver: 05 delivered v1$/m);
    },
  },
  // dlq
  'ncn dlq list': {
    expect: (out) => {
      expect(out.stdout).toMatch(/^id\s+failed at\s+service\s+from\s+code/);
      expect(out.stderr).toMatch(/^\d+ dead letters$/m);
    },
  },
  'ncn dlq list --service ingest --json': {
    expect: (out) => {
      for (const letter of jsonLines(out.stdout))
        expect(letter).toMatchObject({ headers: { [DeadLetterHeader.service]: 'ingest' } });
    },
  },
  'ncn dlq replay --all --service eures-forwarder --dry-run': { expect: (out) => expectReplayDryRun(out) },
  'ncn dlq replay --all --service eures-forwarder': { expect: (out) => expectReplayDryRun(out) },
  // eures-stub, and the curl lines against it
  'ncn eures-stub --port 8090': {
    ready: /EURES receiver listening on http:\/\/127\.0\.0\.1:\d+\/documents \(mode ok\)/,
    expect: (out) => expect(out.stdout).toMatch(/^held 0 documents; \{"requests":0,/m),
  },
  "curl -X POST 'http://127.0.0.1:8090/control?mode=fail'": {
    against: 'ncn eures-stub --port 8090',
    expect: (out) => expect(JSON.parse(out.stdout)).toEqual({ mode: 'fail' }),
  },
  'curl http://127.0.0.1:8090/stats': {
    against: 'ncn eures-stub --port 8090',
    expect: (out) => expect(JSON.parse(out.stdout)).toMatchObject({ mode: 'fail', held: 0 }),
  },
  // gen
  'ncn gen --cvs 200 --vacancies 100 -o day.ndjson': {
    expect: (out) => {
      expect(lineCount(join(out.dir, 'day.ndjson'))).toBe(600);
      expect(out.stderr).toMatch(/generating \[#+\] 600\/600/);
    },
  },
  'ncn gen --seed 7 --cvs 50 --vacancies 0 --inps 0 --co 0 --invalid 0.1 -o cvs.ndjson': {
    expect: (out) => {
      const lines = jsonLines(readFileSync(join(out.dir, 'cvs.ndjson'), 'utf8'));
      expect(lines).toHaveLength(50);
      expect(lines.every((l) => /^nr\.\d{2}\.in$/.test(String(l.topic)))).toBe(true);
    },
  },
  'ncn gen --seed 7 --cvs 50 --vacancies 50 --inps 0 --co 0 --messages 20 -o day.ndjson': {
    expect: (out) => {
      const lines = jsonLines(readFileSync(join(out.dir, 'day.ndjson'), 'utf8'));
      const messages = lines.filter((l) => l.kind === 'messaggio');
      expect(lines.length - messages.length).toBe(100);
      expect(messages.filter((m) => m.note === '03')).toHaveLength(20);
      expect(messages.every((m) => m.note === '03' || (m.note === '04' && typeof m.replyTo === 'string'))).toBe(true);
    },
  },
  'ncn gen --cvs 0 --vacancies 0 --inps 100 --co 200 --inps-xml inps.xml --co-xml co.xml -o /dev/null': {
    expect: (out) => {
      expect(elementCount(join(out.dir, 'inps.xml'), InpsXml.element)).toBe(100);
      expect(elementCount(join(out.dir, 'co.xml'), CoXml.element)).toBe(200);
    },
  },
  // infra
  'ncn infra status': { expect: (out) => expect(out.stdout).toMatch(/^kafka\s+healthy/m) },
  'ncn infra status --json': {
    expect: (out) => {
      const { parts, cluster } = JSON.parse(out.stdout) as {
        parts: { name: string; healthy: boolean }[];
        cluster: ClusterStatus;
      };
      expect(parts.map((p) => [p.name, p.healthy])).toEqual([
        ['kafka', true],
        ['schema-registry', true],
        ['redis', true],
      ]);
      // The one broker answers, is the quorum's leader and leads every partition; none lacks a replica.
      expect(cluster.brokers).toEqual([expect.objectContaining({ id: 1, answers: true, controller: 'leader' })]);
      expect(cluster.brokers[0]?.leads).toBeGreaterThan(80);
      expect(cluster).toMatchObject({ underReplicated: 0, unled: 0 });
    },
  },
  // lag
  'ncn lag': { expect: (out) => expect(out.stdout).toMatch(new RegExp(`^${lagGroup}\\s+\\w+\\s+\\d+\\s+1\\s`, 'm')) },
  'ncn lag --partitions --url http://localhost:8088': {
    expect: (out) => expect(out.stdout).toMatch(new RegExp(`^${lagGroup}\\s+${lagTopic}\\s+0\\s`, 'm')),
  },
  // load
  'ncn load inps did.xml': { expect: (out) => expectLoaded(out, 'inps', 1, 1) },
  'ncn load co unilav-*.xml': { expect: (out) => expectLoaded(out, 'co', 2, 2) },
  'ncn load co --dry-run unilav.xml': { expect: (out) => expectLoaded(out, 'co', 1, 1) },
  'ncn gen --cvs 0 --vacancies 0 --inps 500 --co 0 --inps-xml inps.xml -o /dev/null && ncn load inps inps.xml': {
    expect: (out) => expectLoaded(out, 'inps', 500, 1),
  },
  'ncn gen --seed 7 --cvs 100 --vacancies 50 -o day.ndjson && ncn load inps day.ndjson && ncn load co day.ndjson': {
    expect: (out) => {
      expectLoaded(out, 'inps', 100, 1);
      expectLoaded(out, 'co', 200, 1);
    },
  },
  // registry
  'ncn registry add-intermediary --cf 00488410010 --name "Agenzia Spa" --address "Via Po 1" --comune L219 --email info@agenzia.it':
    {
      expect: (out) =>
        expect(out.stdout).toBe(
          'would accredit 00488410010 (Agenzia Spa) (dry run: nothing published to ncn.intermediari)\n',
        ),
    },
  'ncn registry load intermediari.json': { expect: (out) => expectRegistryLoad(out) },
  'ncn registry load --dry-run intermediari.json': { expect: (out) => expectRegistryLoad(out) },
  'ncn registry remove 00488410010': {
    expect: (out) =>
      expect(out.stdout).toBe('would remove 00488410010 (dry run: nothing published to ncn.intermediari)\n'),
  },
  // security
  'ncn security provision': provisionCheck(),
  'ncn security provision --dry-run': provisionCheck(),
  'ncn security provision --file my-acls.json --credentials ./credentials': provisionCheck((out) => {
    // Every password would be new there, and none was written.
    const [, principals, fresh] = /(\d+) principals; .* \((\d+) would be new\)/.exec(out.stdout) ?? [];
    expect(fresh).toBe(principals);
    expect(existsSync(join(out.dir, 'credentials'))).toBe(false);
  }),
  'ncn security policy': { expect: (out) => expectPolicy(out) },
  'ncn security policy --file my-acls.json': { expect: (out) => expectPolicy(out) },
  // submit
  'ncn submit --node 12 cv.xml': {
    expect: (out) => {
      expect(out.stdout).toMatch(
        /^cv\.xml\s+nr\.12\.in\s+12R0000000000000000000001\s+\d+\s+[0-9a-f]{12}\s+valid Candidatura$/m,
      );
      expect(out.stdout).toMatch(/dry run: 1 files not sent to nr\.12\.in/);
    },
  },
  'ncn submit --node 12 --json cv.xml': {
    expect: (out) =>
      expect(JSON.parse(out.stdout)).toEqual([
        expect.objectContaining({ file: 'cv.xml', topic: 'nr.12.in', kind: 'Candidatura', valid: true }),
      ]),
  },
  'ncn submit --node 12 --dry-run cv.xml vacancy.xml': {
    expect: (out) => {
      expect(out.stdout).toMatch(/^vacancy\.xml\s+nr\.12\.in\s+\S+\s+\d+\s+[0-9a-f]{12}\s+valid Vacancy$/m);
      expect(out.stdout).toMatch(/dry run: 2 files not sent to nr\.12\.in/);
    },
  },
  'ncn submit --node 05 message.xml': {
    expect: (out) => {
      expect(out.stdout).toMatch(
        /^message\.xml\s+nr\.05\.in\s+0532026112000000000000001\s+\d+\s+[0-9a-f]{12}\s+valid Messaggio$/m,
      );
      expect(out.stdout).toMatch(/dry run: 1 files not sent to nr\.05\.in/);
    },
  },
  // topics
  'ncn topics': { expect: (out) => expect(out.stdout).toMatch(/^topics: \d+ created, \d+ already there$/m) },
};

function expectReplayDryRun(out: Outcome): void {
  const n = Number(/^(\d+) would be replayed \(dry run: nothing sent\)$/m.exec(out.stderr)?.[1]);
  expect(out.stdout.split('\n').filter((l) => /^would replay \d+:\d+ to \S+$/.test(l))).toHaveLength(n);
}

function expectLoaded(out: Outcome, feed: 'inps' | 'co', records: number, files: number): void {
  const fileWord = files === 1 ? 'file' : 'files';
  expect(out.stdout).toMatch(
    new RegExp(
      `^${feed}: ${records} records? read from ${files} ${fileWord}, ${records} valid \\(dry run: nothing published\\), 0 skipped`,
      'm',
    ),
  );
}

function expectRegistryLoad(out: Outcome): void {
  expect(out.stdout).toBe(
    'would accredit 2 intermediaries from intermediari.json (dry run: nothing published to ncn.intermediari)\n',
  );
}

/**
 * Provisioning needs a super user: on a secured stack (the local one) the dry run says what it would change; on
 * one without authentication (containers) the command says it has no credentials to provision with.
 */
function provisionCheck(more: (out: Outcome) => void = () => undefined): Check {
  if (testConfig.kafka.sasl === undefined) {
    return {
      status: 1,
      expect: (out) => expect(out.stderr).toMatch(/no Kafka credentials found: .*provisioning needs a super user/),
    };
  }
  return {
    expect: (out) => {
      expect(out.stdout).toMatch(/^ACLs: \d+ in the policy; \d+ to create, \d+ to remove$/m);
      expect(out.stdout).toMatch(/^dry run: nothing changed$/m);
      more(out);
    },
  };
}

function expectPolicy(out: Outcome): void {
  expect(out.stdout).toMatch(/^svc-ingest {2}\(/m);
  expect(out.stdout).toMatch(/^ {2}topic nr\.00\.in: Write$/m);
}

/** The files the examples name, in every line's directory. */
function writeInputs(dir: string): void {
  copyFileSync(join(fixtures, 'xml/candidatura-valid.xml'), join(dir, 'cv.xml'));
  copyFileSync(join(fixtures, 'xml/vacancy-valid.xml'), join(dir, 'vacancy.xml'));
  copyFileSync(join(fixtures, 'xml/messaggio-valid.xml'), join(dir, 'message.xml'));
  copyFileSync(join(fixtures, 'inps/did.xml'), join(dir, 'did.xml'));
  for (const name of ['unilav.xml', 'unilav-01.xml', 'unilav-02.xml'])
    copyFileSync(join(fixtures, 'co/unilav.xml'), join(dir, name));
  copyFileSync(join(root, 'infra/security/acls.json'), join(dir, 'my-acls.json'));
  writeFileSync(
    join(dir, 'intermediari.json'),
    JSON.stringify([
      {
        codiceFiscale: '00488410010',
        denominazione: 'Agenzia Spa',
        indirizzo: 'Via Po 1',
        idcomune: 'L219',
        email: 'info@agenzia.it',
      },
      {
        codiceFiscale: 'RSSMRA85T10A562S',
        denominazione: 'Mario Rossi',
        indirizzo: 'Via Cavour 12',
        idcomune: 'H501',
        email: 'mario.rossi@example.it',
        cap: '00184',
      },
    ]),
  );
}

describe('every example of the CLI help runs as written', () => {
  const kafka = testKafka();
  const work = mkdtempSync(join(tmpdir(), 'ncn-examples-'));
  const bin = join(work, 'bin');
  let stubPort = 0;
  let lagPort = 0;
  let monitor: LagMonitor | undefined;
  let lagServer: Server | undefined;
  const redis = createRedis(testConfig);
  const outcomes = new Map<string, Promise<Outcome>>();
  let dirs = 0;

  /** The line as this test runs it: sending commands with --dry-run, the well-known ports made this test's. */
  const asRun = (line: string): string => {
    let run = line.replaceAll('8090', String(stubPort)).replaceAll('8088', String(lagPort));
    for (const words of sending) {
      run = run.replace(
        new RegExp(`(^|&&\\s*)(ncn ${words.join(' ')})(?=\\s)(?![^&]*--dry-run)`, 'g'),
        '$1$2 --dry-run',
      );
    }
    return run;
  };

  /**
   * Runs a line in bash, in a fresh directory with the inputs (or in `dir`). With `ready`, once its output matches,
   * `meanwhile` runs (the lines against it) and then the line gets SIGINT.
   */
  const run = (
    line: string,
    options: { dir?: string; ready?: RegExp; meanwhile?: (dir: string) => Promise<Map<string, Outcome>> } = {},
  ): Promise<Outcome> => {
    const dir = options.dir ?? join(work, `line-${++dirs}`);
    if (options.dir === undefined) {
      mkdirSync(dir);
      writeInputs(dir);
    }
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', asRun(line)], {
        cwd: dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH ?? ''}`,
          NCN_LAG_PORT: String(lagPort),
          NCN_REDIS_PREFIX: redisPrefix,
        },
      });
      let stdout = '';
      let stderr = '';
      let against: Map<string, Outcome> | undefined;
      // The line's process group (bash and what it started): the signals go to all of it, if it is still there.
      const signal = (name: NodeJS.Signals): void => {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        try {
          process.kill(-child.pid, name);
        } catch {
          // Gone meanwhile: its close event reports how it ended.
        }
      };
      const timer = setTimeout(() => signal('SIGKILL'), 50_000);
      let started = false;
      const onOutput = (): void => {
        if (started || options.ready === undefined || !options.ready.test(stdout + stderr)) return;
        started = true;
        void (options.meanwhile?.(dir) ?? Promise.resolve(new Map<string, Outcome>())).then((found) => {
          against = found;
          signal('SIGINT');
        }, reject);
      };
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString('utf8');
        onOutput();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        onOutput();
      });
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr, dir, ...(against === undefined ? {} : { against }) });
      });
    });
  };

  beforeAll(async () => {
    mkdirSync(bin);
    // `ncn` as a reader has it on PATH: the CLI from source, with tsx's loader in this process (no child process
    // that a signal would miss).
    writeFileSync(
      join(bin, 'ncn'),
      `#!/bin/sh\nexec "${process.execPath}" --import "${pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href}" "${join(root, 'services/cli/main.ts')}" "$@"\n`,
    );
    chmodSync(join(bin, 'ncn'), 0o755);
    stubPort = await freePort();

    // A group with a committed offset, for `ncn lag` to show, and this test's own lag monitor.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: lagTopic, numPartitions: 1 }], waitForLeaders: true });
      await setOffsets(kafka, lagGroup, lagTopic, [{ partition: 0, offset: '0' }]);
    } finally {
      await admin.disconnect();
    }
    monitor = await startLagMonitor({ kafka, logger: silentLogger, intervalMs: 60_000 });
    await monitor.sample();
    const http = await startLagHttp(monitor, 0, '127.0.0.1');
    lagServer = http.server;
    lagPort = http.port;

    // An audit index of this test's own, holding one delivery of an item about the examples' person.
    const index = new AuditIndex(redis, redisPrefix);
    await index.add([
      {
        subjectHash: subjectHash(testConfig.dispatcher.auditKey, 'RSSMRA85T10A562S'),
        entry: {
          at: Date.now(),
          service: 'dispatcher',
          event: 'DELIVERED',
          kind: 'Candidatura',
          root: auditRoot,
          version: 1,
          fromNode: '12',
          toNode: '05',
          rule: 'rule 1: scope 02 (national): every node but the sender',
        },
      },
    ]);
    await index.marker.begin('examples');
    await index.marker.finish('examples');

    // Every line starts now, a few at a time; each test below waits for its own.
    const lines = [...examples.keys()].filter((k) => checks[k]?.against === undefined);
    const slots = 4;
    let next = 0;
    const results = new Map<string, (o: Outcome) => void>();
    const failures = new Map<string, (e: unknown) => void>();
    for (const key of examples.keys()) {
      outcomes.set(
        key,
        new Promise<Outcome>((resolve, reject) => {
          results.set(key, resolve);
          failures.set(key, reject);
        }),
      );
      // A check that never runs must not leave an unhandled rejection behind.
      outcomes.get(key)?.catch(() => undefined);
    }
    const againstLines = (target: string): string[] =>
      [...examples.keys()].filter((k) => checks[k]?.against === target);
    const worker = async (): Promise<void> => {
      while (next < lines.length) {
        const key = lines[next++] ?? '';
        const check = checks[key];
        const line = examples.get(key)?.line ?? key;
        try {
          const outcome = await run(line, {
            ...(check?.ready === undefined ? {} : { ready: check.ready }),
            meanwhile: async (dir) => {
              const found = new Map<string, Outcome>();
              for (const other of againstLines(key))
                found.set(other, await run(examples.get(other)?.line ?? other, { dir }));
              return found;
            },
          });
          results.get(key)?.(outcome);
          for (const [other, o] of outcome.against ?? []) results.get(other)?.(o);
          for (const other of againstLines(key))
            if (!outcome.against?.has(other))
              failures.get(other)?.(new Error(`${key} never got ready: ${outcome.stderr}`));
        } catch (error) {
          failures.get(key)?.(error);
        }
      }
    };
    void Promise.all(Array.from({ length: slots }, worker));
  });

  afterAll(async () => {
    // Let every line end before the directory goes.
    await Promise.allSettled(outcomes.values());
    await new Promise<void>((resolve) => lagServer?.close(() => resolve()) ?? resolve());
    await monitor?.close();
    const keys = await redis.keys(`${redisPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([lagGroup]).catch(() => undefined);
    await admin.deleteTopics({ topics: [lagTopic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(work, { recursive: true, force: true });
  });

  it('has a check for every example line (but the demo’s), and an example line for every check', () => {
    expect(helps.length).toBeGreaterThan(15);
    expect([...examples.keys()].filter((k) => checks[k] === undefined)).toEqual([]);
    expect(Object.keys(checks).filter((k) => !examples.has(k))).toEqual([]);
    // Every command but demo has examples, in its own help or its subcommands'.
    const commands = ncnProgram()
      .commands.map((c) => c.name())
      .filter((name) => name !== 'demo');
    const shown = new Set([...examples.values()].flatMap((e) => e.commands.map((c) => c.split(' ')[1])));
    expect(commands.filter((name) => !shown.has(name))).toEqual([]);
  });

  describe.each([...examples.keys()])('%s', (key) => {
    it(`runs as written (shown by ${examples.get(key)?.commands.join(', ') ?? ''})`, async () => {
      const outcome = await outcomes.get(key);
      if (outcome === undefined) throw new Error(`${key} did not run`);
      const check = checks[key];
      if (check === undefined) throw new Error(`no check for ${key}`);
      expect({ status: outcome.status, stderr: outcome.status === (check.status ?? 0) ? '' : outcome.stderr }).toEqual({
        status: check.status ?? 0,
        stderr: '',
      });
      check.expect(outcome);
    });
  });
});
