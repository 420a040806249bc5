/**
 * The chaos suite's looks at the cluster, in a process of their own (see ClusterWatch): reads one request per line
 * on stdin (`{"id":1,"what":"health","away":[2]}` or `{"id":2,"what":"lags"}`), answers each on stdout in order
 * (`{"id":1,"value":…}` or `{"id":1,"error":"…"}`). Each look takes an admin client of its own and closes it.
 */
import { createInterface } from 'node:readline';
import pino from 'pino';
import { NodeConsumerGroupInputs, NodeConsumerGroups } from '../../contracts/groups';
import { loadConfig } from '../../services/runtime/config';
import { lagOf } from '../../services/runtime/group-lag';
import { createKafka, readPartitionHealth } from '../../services/runtime/kafka';

/** A look: the partitions' health (with brokers counted as away), or the node's groups' lags. */
export type Look = { readonly what: 'health'; readonly away: readonly number[] } | { readonly what: 'lags' };

/** A look asked for. */
export type LookRequest = Look & { readonly id: number };

/** A look's answer: PartitionHealth with its maps as entries, or the lags by group. */
export type LookAnswer = { readonly id: number } & ({ readonly value: unknown } | { readonly error: string });

const kafka = createKafka(loadConfig(process.env), pino({ level: 'silent' }), 'ncn-chaos-watch');

async function look(request: LookRequest): Promise<unknown> {
  if (request.what === 'health') {
    const h = await readPartitionHealth(kafka, { away: new Set(request.away) });
    return { ...h, leads: [...h.leads], leaders: [...h.leaders] };
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    const watched = NodeConsumerGroups.map((group) => ({ group, topics: NodeConsumerGroupInputs[group] }));
    return await lagOf(admin, watched);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line) as LookRequest;
    const answer: LookAnswer = await look(request).then(
      (value) => ({ id: request.id, value }),
      (error: unknown) => ({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
  process.exit(0);
}

void main();
