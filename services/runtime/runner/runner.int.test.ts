import { type Kafka } from '../kafka';
import { DeadLetterHeader, TraceHeader } from '../../../contracts/headers';
import { Topic } from '../../../contracts/topics';
import { AvroSerde } from '../avro-serde';
import { ErrorCode, NcnError } from '../errors';
import { startRunner, type Runner, type RunnerOptions } from './runner';
import { whenConsumerStopped } from './stopped';
import type { Handler, InputRecord } from './types';
import { createTopics } from '../topics';
import { silentLogger, testConfig, testKafka } from '../../../test/support/clients';
import { consumeUntil, endOffsets } from '../../../test/support/consume';
import { loseFirstCommitAnswer } from '../../../test/support/lost-commit';
import { unique } from '../../../test/support/unique';

async function topicsWith(kafka: Kafka, names: string[], partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await createTopics(
      admin,
      names.filter((n) => !existing.has(n)).map((topic) => ({ topic, numPartitions: partitions })),
    );
  } finally {
    await admin.disconnect();
  }
}

async function produce(kafka: Kafka, topic: string, values: string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** Sends `counts[p]` records to partition p of each topic, valued `<topic>/<p>/<i>`. */
async function produceToPartitions(kafka: Kafka, topics: readonly string[], counts: readonly number[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const topic of topics) {
      for (const [partition, count] of counts.entries()) {
        await producer.send({
          topic,
          messages: Array.from({ length: count }, (_, i) => ({
            key: `k${i}`,
            value: `${topic}/${partition}/${i}`,
            partition,
          })),
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the runner on the real broker', () => {
  const kafka = testKafka();
  const serde = new AvroSerde(testConfig.registry.url);
  let runner: Runner | undefined;

  afterEach(async () => {
    await runner?.close();
    runner = undefined;
  });

  /** A runner of a group of its own on the test stack. */
  const startTestRunner = (options: Pick<RunnerOptions, 'topics' | 'handler'> & Partial<RunnerOptions>) =>
    startRunner({
      service: 'test-runner',
      groupId: unique('test.runner.group'),
      kafka,
      serde,
      logger: silentLogger,
      ...options,
    });

  it('finds out that a commit whose answer was lost had been applied, and goes on: each output once', async () => {
    const input = unique('test.runner.in');
    const output = unique('test.runner.out');
    await topicsWith(kafka, [input, output]);
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    const groupId = unique('test.runner.group');
    const faulty = loseFirstCommitAnswer(kafka, (tx) => tx.transactionalId.startsWith(`${groupId}.`));
    const seen: string[] = [];
    const hooks = { committed: 0, aborted: 0 };
    runner = await startRunner({
      service: 'test-runner',
      groupId,
      kafka: faulty.kafka,
      serde,
      logger: silentLogger,
      topics: [input],
      handler: (record) => {
        seen.push(record.value?.toString() ?? '');
        return [{ topic: output, key: record.key, value: record.value }];
      },
      hooks: { committed: () => hooks.committed++, aborted: () => hooks.aborted++ },
      maxRecordsPerTransaction: 5,
    });
    await runner.fetching;
    await produce(kafka, input, values);
    const outs = await consumeUntil(kafka, output, (m) => m.length >= 20);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(faulty.lost()).toBe(1);
    expect(outs.map((m) => m.value?.toString())).toEqual(values);
    // Nothing handled twice, and the staged state of the lost-answer chunk made final, not dropped.
    expect(seen).toEqual(values);
    expect(hooks).toEqual({ committed: 4, aborted: 0 });
  });

  it('stops when a failed commit cannot be told applied or not, and the next member goes on from the group: each output once', async () => {
    const input = unique('test.runner.in');
    const output = unique('test.runner.out');
    await topicsWith(kafka, [input, output]);
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    const groupId = unique('test.runner.group');
    const faulty = loseFirstCommitAnswer(kafka, (tx) => tx.transactionalId.startsWith(`${groupId}.`), {
      outcomeUnreadable: true,
    });
    const stopped: string[] = [];
    whenConsumerStopped((_service, error) => stopped.push(error.message));
    const seen: string[] = [];
    const options = {
      service: 'test-runner',
      groupId,
      serde,
      logger: silentLogger,
      topics: [input],
      handler: (record: InputRecord) => {
        seen.push(record.value?.toString() ?? '');
        return [{ topic: output, key: record.key, value: record.value }];
      },
      maxRecordsPerTransaction: 5,
      commitOutcomeWaitMs: 1_000,
    };
    try {
      const first = await startRunner({ ...options, kafka: faulty.kafka });
      runner = first;
      await first.fetching;
      await produce(kafka, input, values);
      await waitFor(() => stopped.length === 1, 30_000);
      expect(stopped[0]).toMatch(/could not be read/);
      expect(faulty.lost()).toBe(1);
      // The first chunk did commit; the stopped member handled nothing after it and read nothing of it again.
      expect(seen).toEqual(values.slice(0, 5));
      await first.close();
      runner = await startRunner({ ...options, kafka });
      const outs = await consumeUntil(kafka, output, (m) => m.length >= 20);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(outs.map((m) => m.value?.toString())).toEqual(values);
      expect(seen).toEqual(values);
    } finally {
      whenConsumerStopped(undefined);
    }
  });

  it('produces outputs and commits offsets in one transaction, dead-letters a poison record and moves on', async () => {
    const input = unique('test.runner.in');
    const output = unique('test.runner.out');
    await topicsWith(kafka, [input, output, Topic.dlq]);
    const marks = await endOffsets(kafka, [Topic.dlq]);
    const values = Array.from({ length: 30 }, (_, i) => (i === 10 ? 'poison' : `value-${i}`));
    await produce(kafka, input, values);

    let committed = 0;
    const handler: Handler = (record) => {
      const text = record.value?.toString() ?? '';
      if (text === 'poison') throw new NcnError(ErrorCode.Decode, 'cannot read this one');
      return [{ topic: output, key: record.key, value: Buffer.from(text.toUpperCase()) }];
    };
    const groupId = unique('test.runner.group');
    runner = await startRunner({
      service: 'test-runner',
      groupId,
      kafka,
      serde,
      logger: silentLogger,
      topics: [input],
      handler,
      hooks: { committed: (scope) => (committed += scope.topic === input ? 1 : 0) },
      maxRecordsPerTransaction: 7,
      httpPort: 0,
    });

    const outs = await consumeUntil(kafka, output, (m) => m.length >= 29);
    expect(outs.map((m) => m.value?.toString())).toEqual(
      values.filter((v) => v !== 'poison').map((v) => v.toUpperCase()),
    );
    // Each output carries its path: this service and the input record it came from.
    expect(outs.map((m) => m.headers?.[TraceHeader]?.toString())).toEqual(
      values.flatMap((v, i) => (v === 'poison' ? [] : [`test-runner@${input}/0/${i}`])),
    );

    const letters = await consumeUntil(
      kafka,
      Topic.dlq,
      (m) => m.some((x) => x.headers?.[DeadLetterHeader.sourceTopic]?.toString() === input),
      { from: marks },
    );
    const letter = letters.find((x) => x.headers?.[DeadLetterHeader.sourceTopic]?.toString() === input);
    expect(letter?.value?.toString()).toBe('poison');
    expect(letter?.key?.toString()).toBe('k10');
    expect(letter?.headers?.[DeadLetterHeader.errorCode]?.toString()).toBe('NCN_DECODE');
    expect(letter?.headers?.[DeadLetterHeader.sourceOffset]?.toString()).toBe('10');

    const admin = kafka.admin();
    await admin.connect();
    try {
      for (let i = 0; i < 50; i++) {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
        if (offsets?.partitions[0]?.offset === '30') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
      expect(offsets?.partitions[0]?.offset).toBe('30');
    } finally {
      await admin.disconnect();
    }
    expect(committed).toBeGreaterThanOrEqual(5);

    const health = await fetch(`http://127.0.0.1:${runner.httpPort}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${runner.httpPort}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`ncn_records_in_total\\{topic="${input.replace(/\./g, '\\.')}",service="test-runner"\\} 30`),
    );
    expect(metrics).toMatch(/ncn_failures_total\{kind="dead_lettered",service="test-runner"\} 1/);
  });

  it('starts a newly assigned partition with a small chunk and doubles it with each commit, up to the full chunk', async () => {
    const input = unique('test.runner.in');
    const output = unique('test.runner.out');
    await topicsWith(kafka, [input, output]);
    const values = Array.from({ length: 200 }, (_, i) => `value-${i}`);
    await produce(kafka, input, values);
    /** Records handled per committed transaction, in order. */
    const sizes: number[] = [];
    let handled = 0;
    runner = await startRunner({
      service: 'test-runner',
      groupId: unique('test.runner.group'),
      kafka,
      serde,
      logger: silentLogger,
      topics: [input],
      handler: (record) => {
        handled++;
        return [{ topic: output, key: record.key, value: record.value }];
      },
      hooks: {
        committed: (scope) => {
          if (scope.topic !== input) return;
          sizes.push(handled);
          handled = 0;
        },
      },
      maxRecordsPerTransaction: 64,
      firstChunkRecords: 4,
    });
    const outs = await consumeUntil(kafka, output, (m) => m.length >= 200);
    expect(outs.map((m) => m.value?.toString())).toEqual(values);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200);
    // Each chunk at most twice the one before (a poll may end a chunk early), from 4 up to 64.
    expect(sizes[0]).toBeLessThanOrEqual(4);
    sizes.forEach((size, i) => expect(size).toBeLessThanOrEqual(Math.min(64, 4 * 2 ** i)));
    expect(Math.max(...sizes)).toBeGreaterThan(32);
  });

  it('handles partition p of co-partitioned inputs as one task: one record at a time, tasks side by side', async () => {
    const inputs = [unique('test.runner.a'), unique('test.runner.b')];
    const output = unique('test.runner.out');
    await topicsWith(kafka, inputs, 2);
    await topicsWith(kafka, [output]);
    // Partition 1 of each input is short: a lane done with it would take the other input's partition 0 next, beside
    // partition 0 of the first, were the two not one task.
    const counts = [30, 3];
    await produceToPartitions(kafka, inputs, counts);
    /** Per task (partition number), the handlers running now, and the most seen at once in one task. */
    const running = new Map<number, number>();
    let mostInOneTask = 0;
    let total = 0;
    runner = await startTestRunner({
      topics: inputs,
      coPartitioned: true,
      partitionsConsumedConcurrently: 2,
      handler: async (record) => {
        running.set(record.partition, (running.get(record.partition) ?? 0) + 1);
        total++;
        mostInOneTask = Math.max(mostInOneTask, running.get(record.partition) ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running.set(record.partition, (running.get(record.partition) ?? 0) - 1);
        return [{ topic: output, key: record.key, value: record.value }];
      },
    });
    const outs = await consumeUntil(kafka, output, (m) => m.length >= 66);
    expect(outs).toHaveLength(66);
    expect(total).toBe(66);
    expect(mostInOneTask).toBe(1);
  });

  it("runs each task's timer in the task's transaction: its outputs and staged state commit or abort with the task's records", async () => {
    const inputs = [unique('test.runner.a'), unique('test.runner.b')];
    const output = unique('test.runner.out');
    await topicsWith(kafka, inputs, 2);
    await topicsWith(kafka, [output]);
    /** Per task, how many timer runs committed (the state the timer stages), and what one run staged. */
    const runs = new Map<string, number>();
    const staged = new Map<string, number>();
    const timerScopes = new Set<string>();
    let failures = 0;
    let handled = 0;
    runner = await startTestRunner({
      topics: inputs,
      coPartitioned: true,
      partitionsConsumedConcurrently: 2,
      handler: (record) => {
        handled++;
        return [{ topic: output, key: `record-${record.partition}`, value: record.value }];
      },
      punctuate: {
        everyMs: 100,
        run: (scope) => {
          const task = String(scope.partition);
          timerScopes.add(`${scope.partition}`);
          // Task 0's timer fails once, in the round that holds its records: they are read again, not lost.
          if (task === '0' && handled > 0 && failures === 0) {
            failures++;
            throw new Error('the timer failed (test)');
          }
          const n = runs.get(task) ?? 0;
          staged.set(task, n + 1);
          return [{ topic: output, key: `timer-${task}`, value: Buffer.from(String(n)) }];
        },
      },
      hooks: {
        committed: (scope) => {
          const task = String(scope.partition);
          const next = staged.get(task);
          if (next !== undefined) runs.set(task, next);
          staged.delete(task);
        },
        aborted: (scope) => staged.delete(String(scope.partition)),
      },
    });
    await runner.fetching;
    await produceToPartitions(kafka, inputs, [5, 5]);
    const outs = await consumeUntil(
      kafka,
      output,
      (m) =>
        m.filter((r) => r.key?.toString().startsWith('record-')).length >= 20 &&
        m.filter((r) => r.key?.toString() === 'timer-0').length >= 5,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(failures).toBe(1);
    expect(timerScopes).toEqual(new Set(['0', '1']));
    // Every record once, though task 0's round was read again after its timer failed.
    const records = outs.filter((r) => r.key?.toString().startsWith('record-')).map((r) => r.value?.toString());
    expect(records).toHaveLength(20);
    expect(new Set(records).size).toBe(20);
    // Each task's timer outputs count up from 0 without a gap or a repeat: what a run staged was made final
    // exactly when its output committed.
    for (const task of ['0', '1']) {
      const values = outs.filter((r) => r.key?.toString() === `timer-${task}`).map((r) => Number(r.value?.toString()));
      expect(values.length).toBeGreaterThanOrEqual(5);
      expect(values).toEqual(values.map((_, i) => i));
    }
  });

  it('retries a transient failure and produces the output once, encoded in Avro through the registry', async () => {
    const input = unique('test.runner.in');
    const output = unique('test.runner.audit');
    await topicsWith(kafka, [input, output]);
    await produce(kafka, input, ['only']);
    let attempts = 0;
    runner = await startRunner({
      service: 'test-runner',
      groupId: unique('test.runner.group'),
      kafka,
      serde,
      logger: silentLogger,
      topics: [input],
      retry: { attempts: 5, initialDelayMs: 10, maxDelayMs: 50 },
      handler: () => {
        if (++attempts < 3) throw new NcnError(ErrorCode.Unavailable, 'registry busy', { retriable: true });
        const data = {
          at: 0,
          service: 'test',
          event: 'ACCEPTED',
          kind: 'CANDIDATURA',
          root: 'r1',
          version: 1,
          fromNode: '12',
          toNode: null,
          rule: null,
          subjectHash: null,
        };
        return [{ topic: output, key: 'r1', value: { avro: 'it.ncn.AuditEvent', data } }];
      },
    });
    const [message] = await consumeUntil(kafka, output, (m) => m.length >= 1);
    expect(attempts).toBe(3);
    expect(await serde.decode(message?.value ?? Buffer.alloc(0))).toMatchObject({
      event: 'ACCEPTED',
      root: 'r1',
      version: 1,
    });
    // Exactly one: waiting for a second one times out.
    await expect(consumeUntil(kafka, output, (m) => m.length >= 2, { timeoutMs: 2_000 })).rejects.toThrow(
      /only 1 messages/,
    );
  });

  it('prepares each transaction once its records are handled, retries a failing prepare, and commits only after it', async () => {
    const input = unique('test.runner.in');
    await topicsWith(kafka, [input]);
    const values = Array.from({ length: 12 }, (_, i) => `value-${i}`);
    const groupId = unique('test.runner.group');
    const admin = kafka.admin();
    await admin.connect();
    const committedOffset = async (): Promise<string> =>
      (await admin.fetchOffsets({ groupId, topics: [input] }))[0]?.partitions[0]?.offset ?? '-1';
    /** What each prepare saw: the records staged since the last transaction, and the group's offset then. */
    const prepared: { staged: string[]; offset: string }[] = [];
    let staged: string[] = [];
    let failures = 0;
    try {
      runner = await startRunner({
        service: 'test-runner',
        groupId,
        kafka,
        serde,
        logger: silentLogger,
        topics: [input],
        retry: { attempts: 5, initialDelayMs: 10, maxDelayMs: 50 },
        handler: (record) => {
          staged.push(record.value?.toString() ?? '');
          return [];
        },
        hooks: {
          prepare: async () => {
            // The second transaction's prepare fails twice (a Redis blip) before it succeeds.
            if (prepared.length === 1 && failures < 2) {
              failures++;
              throw new Error('Redis is not answering');
            }
            prepared.push({ staged: [...staged], offset: await committedOffset() });
          },
          committed: () => void (staged = []),
          aborted: () => void (staged = []),
        },
        maxRecordsPerTransaction: 5,
      });
      await runner.fetching;
      await produce(kafka, input, values);
      const deadline = Date.now() + 30_000;
      while ((await committedOffset()) !== '12' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect({ committed: await committedOffset(), failures }).toEqual({ committed: '12', failures: 2 });
      // Every record was prepared, chunk by chunk in order; each prepare saw its whole chunk (a run of the input)
      // while the group's offset still stood before that chunk: it ran before its commit.
      expect([...new Set(prepared.flatMap((p) => p.staged))]).toEqual(values);
      for (const p of prepared) {
        const first = values.indexOf(p.staged[0] ?? '');
        expect({ p, run: values.slice(first, first + p.staged.length) }).toEqual({ p, run: p.staged });
        expect({ p, before: Number(p.offset) <= first }).toEqual({ p, before: true });
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('takes a new producer when its own is fenced instead of stopping for good, and produces each output once', async () => {
    const input = unique('test.runner.in');
    const output = unique('test.runner.out');
    await topicsWith(kafka, [input, output]);
    const groupId = unique('test.runner.group');
    runner = await startRunner({
      service: 'test-runner',
      groupId,
      kafka,
      serde,
      logger: silentLogger,
      topics: [input],
      handler: (record) => [{ topic: output, key: record.key, value: record.value }],
      // A named instance: its transactional ids are `<group>.<instance>.<n>`, one here (one partition at a time).
      instanceId: 'fenced',
      httpPort: 0,
    });
    await runner.fetching;
    await produce(kafka, input, ['before-1', 'before-2']);
    await consumeUntil(kafka, output, (m) => m.length >= 2);
    // Another producer takes the runner's transactional id (as a restarted instance of the same name would): the
    // runner's producer is fenced, and its next transaction is refused.
    const usurper = kafka.transactionalProducer({ transactionalId: `${groupId}.fenced.0` });
    await usurper.connect();
    await usurper.disconnect();
    await produce(kafka, input, ['after-1', 'after-2', 'after-3']);
    const outs = await consumeUntil(kafka, output, (m) => m.length >= 5, { timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const again = await consumeUntil(kafka, output, (m) => m.length >= 5);
    expect(again.map((m) => m.value?.toString())).toEqual(['before-1', 'before-2', 'after-1', 'after-2', 'after-3']);
    expect(outs).toHaveLength(5);
    // The fenced transaction was refused, and the runner went on with a new producer of the same id: it stayed
    // healthy (a runner that stops for good says so on /health, and a service process exits).
    const metrics = await (await fetch(`http://127.0.0.1:${runner.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/ncn_failures_total\{kind="transaction",service="test-runner"\} [1-9]/);
    expect((await fetch(`http://127.0.0.1:${runner.httpPort}/health`)).status).toBe(200);
  });

  it('paces its rounds when told to: a record going round its own topic comes back no sooner than the interval', async () => {
    const loop = unique('test.runner.loop');
    await topicsWith(kafka, [loop]);
    await produce(kafka, loop, ['round']);
    const handledAt: number[] = [];
    runner = await startTestRunner({
      topics: [loop],
      // Like a parked update: back to the end of its topic every time.
      handler: (record) => {
        handledAt.push(Date.now());
        return [{ topic: loop, key: record.key, value: record.value }];
      },
      minRoundIntervalMs: 200,
    });
    while (handledAt.length < 6) await new Promise((resolve) => setTimeout(resolve, 50));
    await runner.close();
    const gaps = handledAt.slice(1).map((t, i) => t - (handledAt[i] ?? t));
    // Timers may fire a millisecond or two early; unpaced, a round trip through a transaction takes a few ms.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(190);
  });

  it('as a side-effect sink, commits what it handled before a failure that outlived its retries, and goes on from there', async () => {
    const input = unique('test.runner.sink.in');
    const output = unique('test.runner.sink.out');
    await topicsWith(kafka, [input, output]);
    const values = Array.from({ length: 10 }, (_, i) => `v${i}`);
    await produce(kafka, input, values);
    const calls = new Map<string, number>();
    runner = await startTestRunner({
      topics: [input],
      // Like a POST to EURES while it is away: v5 fails until its third call, past the two attempts of a round.
      handler: (record) => {
        const value = record.value?.toString() ?? '';
        const n = (calls.get(value) ?? 0) + 1;
        calls.set(value, n);
        if (value === 'v5' && n < 3) throw new NcnError(ErrorCode.Unavailable, 'away', { retriable: true });
        return [{ topic: output, key: record.key, value: record.value }];
      },
      retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 },
      sideEffectSink: true,
    });
    const outs = await consumeUntil(kafka, output, (m) => m.length >= values.length);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(outs.map((m) => m.value?.toString())).toEqual(values);
    // The calls before the failure were not made again; the failing one until it went through.
    expect(values.map((v) => calls.get(v))).toEqual([1, 1, 1, 1, 1, 3, 1, 1, 1, 1]);
  });

  it('closes once, leaving the consumer group empty', async () => {
    const input = unique('test.runner.in');
    await topicsWith(kafka, [input]);
    const groupId = unique('test.runner.group');
    runner = await startRunner({
      service: 'test-runner',
      groupId,
      kafka,
      serde,
      logger: silentLogger,
      topics: [input],
      handler: () => [],
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const first = runner.close();
      expect(runner.close()).toBe(first);
      await first;
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]?.members).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
  it('commits past aborted transactions and commit markers, so a caught-up group has no lag', async () => {
    const input = unique('test.runner.aborted');
    await topicsWith(kafka, [input]);
    const groupId = unique('test.runner.group');
    const tx = kafka.transactionalProducer({
      transactionalId: unique('test.runner.tx'),
    });
    await tx.connect();
    const admin = kafka.admin();
    await admin.connect();
    const write = async (values: string[], outcome: 'commit' | 'abort'): Promise<void> => {
      const t = await tx.transaction();
      await t.send({ topic: input, messages: values.map((value) => ({ key: 'k', value })) });
      await (outcome === 'commit' ? t.commit() : t.abort());
    };
    /**
     * Waits until the partition's end has reached `expectedEnd` and the group's committed offset has
     * reached the end; returns both. The end is waited for because the coordinator writes a
     * transaction's marker after it has answered the producer: just after `abort()` the end can
     * still be short of the marker, and a group caught up to that end is not yet the case under test.
     */
    const caughtUp = async (expectedEnd: number): Promise<{ committed: string; end: string }> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [end] = await admin.fetchTopicOffsets(input);
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
        const committed = offsets?.partitions[0]?.offset ?? '-1';
        const high = end?.high ?? '?';
        const settled = Number(high) >= expectedEnd && committed === high;
        if (settled || Date.now() > deadline) return { committed, end: high };
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const seen: string[] = [];
    try {
      // The partition ends in an aborted transaction: the consumer filters its records and its marker out.
      await write(['a', 'b'], 'commit');
      await write(['x', 'y'], 'abort');
      runner = await startRunner({
        service: 'test-runner',
        groupId,
        kafka,
        serde,
        logger: silentLogger,
        topics: [input],
        handler: (record) => {
          seen.push(record.value?.toString() ?? '');
          return [];
        },
      });
      const first = await caughtUp(6);
      expect(first).toEqual({ committed: '6', end: '6' }); // a, b, marker, x, y, marker
      // A fetch that holds nothing but an aborted transaction, while the group is caught up.
      await write(['z'], 'abort');
      expect(await caughtUp(8)).toEqual({ committed: '8', end: '8' });
      // And a committed one: the marker after it is committed past too.
      await write(['c'], 'commit');
      expect(await caughtUp(10)).toEqual({ committed: '10', end: '10' });
      expect(seen).toEqual(['a', 'b', 'c']);
    } finally {
      await admin.disconnect();
      await tx.disconnect();
    }
  });
});
