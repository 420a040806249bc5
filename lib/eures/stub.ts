import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { EuresHeader } from '../../contracts/headers';
import { hasValidCheck } from '../xml/codice-fiscale';
import { HrOpenNamespace } from './hr-open';

/** What the receiver does with requests: answer, fail (503), or hold them without answering. */
export type StubMode = 'ok' | 'fail' | 'stall';

/** A document the receiver accepted. */
export interface ReceivedDocument {
  readonly key: string;
  readonly action: string;
  readonly kind: string;
  readonly root: string;
  readonly version: number;
  readonly bytes: number;
  /** Order of arrival, from 1. */
  readonly seq: number;
}

export interface EuresStub {
  readonly port: number;
  readonly url: string;
  readonly received: readonly ReceivedDocument[];
  readonly stats: {
    requests: number;
    accepted: number;
    duplicates: number;
    refused: number;
    failed: number;
    stalled: number;
  };
  setMode(mode: StubMode): void;
  close(): Promise<void>;
}

const PERSONAL_CF = /[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]/g;

/** The elements a document must carry to be usable by EURES. */
const required: Record<string, readonly string[][]> = {
  Candidate: [['DocumentID'], ['CandidateProfile', 'CandidatePositionPreferences']],
  PositionOpening: [['DocumentID'], ['PositionProfile', 'PositionTitle'], ['PositionProfile', 'JobCategoryCode']],
};

/** Checks an UPSERT body: well-formed, an HR-Open Candidate or PositionOpening with its required elements, no codice fiscale. */
export function checkDocument(kind: string, body: string): string | undefined {
  const wellFormed = XMLValidator.validate(body);
  if (wellFormed !== true) return `not well-formed XML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`;
  const doc = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true }).parse(body) as Record<string, unknown>;
  const rootName = kind === 'CANDIDATURA' ? 'Candidate' : 'PositionOpening';
  const root = doc[rootName] as Record<string, unknown> | undefined;
  if (root === undefined) return `expected a ${rootName} document for a ${kind}`;
  if (!new RegExp(`<${rootName}\\s[^>]*xmlns="${HrOpenNamespace.replace(/[./]/g, '\\$&')}"`).test(body)) {
    return `expected ${rootName} in the namespace ${HrOpenNamespace}`;
  }
  for (const path of required[rootName] ?? []) {
    let node: unknown = root;
    for (const step of path) node = (node as Record<string, unknown> | undefined)?.[step];
    if (node === undefined || node === '') return `missing ${rootName}/${path.join('/')}`;
  }
  const cf = [...body.matchAll(PERSONAL_CF)].map((m) => m[0]).find((c) => hasValidCheck(c));
  if (cf !== undefined) return 'the document carries a codice fiscale';
  return undefined;
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

const send = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

/**
 * A local EURES receiver for the demo and the tests: `POST /documents` checks and records documents (once per
 * idempotency key); `GET /documents` lists what it holds; `GET /stats`; `POST /control?mode=ok|fail|stall`
 * simulates an outage (fail: 503; stall: requests hang until the mode changes).
 */
export async function startEuresStub(
  options: {
    port?: number;
    host?: string;
    mode?: StubMode;
    /** A file of what it holds (JSON lines), read at start and appended before each answer: it survives a restart. */
    journal?: string;
  } = {},
): Promise<EuresStub> {
  let mode: StubMode = options.mode ?? 'ok';
  const received: ReceivedDocument[] = [];
  const keys = new Set<string>();
  if (options.journal !== undefined && existsSync(options.journal)) {
    for (const line of readFileSync(options.journal, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const doc = JSON.parse(line) as ReceivedDocument;
      received.push(doc);
      keys.add(doc.key);
    }
  }
  const stats = { requests: 0, accepted: 0, duplicates: 0, refused: 0, failed: 0, stalled: 0 };
  let stalled: (() => void)[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://stub');
    if (request.method === 'POST' && url.pathname === '/control') {
      const next = url.searchParams.get('mode');
      if (next !== 'ok' && next !== 'fail' && next !== 'stall')
        return send(response, 400, { error: 'mode must be ok, fail or stall' });
      stub.setMode(next);
      return send(response, 200, { mode });
    }
    if (request.method === 'GET' && url.pathname === '/documents') return send(response, 200, received);
    if (request.method === 'GET' && url.pathname === '/stats')
      return send(response, 200, { mode, held: received.length, ...stats });
    if (request.method !== 'POST' || url.pathname !== '/documents') return send(response, 404, { error: 'not found' });

    const body = await readBody(request);
    stats.requests++;
    while (mode === 'stall') {
      stats.stalled++;
      await new Promise<void>((resolve) => stalled.push(resolve));
    }
    if (mode === 'fail') {
      stats.failed++;
      return send(response, 503, { error: 'EURES is unavailable (simulated)' });
    }
    const header = (name: string): string => String(request.headers[name] ?? '');
    const key = header(EuresHeader.idempotencyKey);
    const action = header(EuresHeader.action);
    const kind = header(EuresHeader.kind);
    const version = Number(header(EuresHeader.version));
    const problems: string[] = [];
    if (key === '') problems.push(`the ${EuresHeader.idempotencyKey} header is missing`);
    if (!['UPSERT', 'WITHDRAW', 'CLOSE', 'EXPIRE'].includes(action)) problems.push(`unknown action '${action}'`);
    if (!['CANDIDATURA', 'VACANCY'].includes(kind)) problems.push(`unknown kind '${kind}'`);
    if (!Number.isInteger(version) || version < 1) problems.push('the version must be a positive integer');
    if (action === 'UPSERT') {
      const problem = checkDocument(kind, body);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) {
      stats.refused++;
      return send(response, 422, { errors: problems });
    }
    if (keys.has(key)) {
      stats.duplicates++;
      return send(response, 200, { status: 'duplicate', key });
    }
    const doc: ReceivedDocument = {
      key,
      action,
      kind,
      root: header(EuresHeader.root),
      version,
      bytes: body.length,
      seq: received.length + 1,
    };
    // Written down before the answer: a receiver killed after this line has it, and answers the retry `duplicate`.
    if (options.journal !== undefined) appendFileSync(options.journal, `${JSON.stringify(doc)}\n`);
    keys.add(key);
    stats.accepted++;
    received.push(doc);
    return send(response, 201, { status: 'accepted', key });
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const stub: EuresStub = {
    port,
    url: `http://${options.host ?? '127.0.0.1'}:${port}/documents`,
    received,
    stats,
    setMode(next) {
      mode = next;
      if (next !== 'stall') {
        const waiting = stalled;
        stalled = [];
        for (const w of waiting) w();
      }
    },
    async close() {
      stub.setMode('fail');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return stub;
}
