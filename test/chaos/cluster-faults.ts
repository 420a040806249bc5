/**
 * The faults only a cluster can have, on the chaos stack's brokers (`npm run test:chaos -- --brokers 3`), and what
 * the suite measures around them: how long until every partition was led by a broker that answers, and how long
 * until the node's lag was back where it was before.
 */
import { brokerProcess, startBroker, waitForBroker } from '../../infra/local/kafka';
import { setConnected } from '../../infra/local/netns';
import { runningProcess, type ProcessRef } from '../../infra/local/processes';
import type { StackSettings } from '../../infra/local/settings';
import type { BrokerNode } from '../../services/runtime/config';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ThreadPoolEnv, type PartitionHealth } from '../../services/runtime/kafka';
import type { Look, LookAnswer, LookRequest } from './cluster-look';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The suite's view of the cluster: the partitions' leaders and replicas, and the node's lag. The looks run in a
 * process of their own (cluster-look.ts), one at a time: closing an admin client waits, on the calling thread,
 * for every request it still has in flight, which on a cluster with brokers down held the suite's event loop for
 * minutes (its services' exits went unnoticed, its faults stalled); and a client kept across broker faults
 * crashed its process (SIGSEGV). A look not answered within `lookTimeoutMs` fails, and the process is replaced.
 */
export class ClusterWatch {
  #child: ChildProcessWithoutNullStreams | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Looks are made one after the other; this is the last one asked. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly lookTimeoutMs = 30_000) {}

  #process(): ChildProcessWithoutNullStreams {
    if (this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null)
      return this.#child;
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'cluster-look.ts')], {
      env: { ...ThreadPoolEnv, ...process.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr.resume();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as LookAnswer;
      const waiting = this.#pending.get(answer.id);
      if (waiting === undefined) return; // answered after its time ran out
      this.#pending.delete(answer.id);
      if ('error' in answer) waiting.reject(new Error(answer.error));
      else waiting.resolve(answer.value);
    });
    child.once('exit', () => {
      for (const [id, waiting] of this.#pending) {
        this.#pending.delete(id);
        waiting.reject(new Error('the cluster watch process exited'));
      }
    });
    this.#child = child;
    return child;
  }

  #look(look: Look): Promise<unknown> {
    const asked = this.#queue.then(
      () =>
        new Promise<unknown>((resolve, reject) => {
          const id = this.#nextId++;
          const child = this.#process();
          const timer = setTimeout(() => {
            this.#pending.delete(id);
            child.kill('SIGKILL');
            reject(new Error(`the cluster did not answer a look within ${this.lookTimeoutMs} ms`));
          }, this.lookTimeoutMs);
          this.#pending.set(id, {
            resolve: (v) => {
              clearTimeout(timer);
              resolve(v);
            },
            reject: (e) => {
              clearTimeout(timer);
              reject(e);
            },
          });
          child.stdin.write(`${JSON.stringify({ ...look, id } satisfies LookRequest)}\n`);
        }),
    );
    this.#queue = asked.catch(() => undefined);
    return asked;
  }

  /**
   * The partitions of every topic: how many have no leader or one of `away` as leader, how many lack a replica in
   * sync, and how many each broker leads.
   */
  async health(away: ReadonlySet<number> = new Set()): Promise<PartitionHealth> {
    const h = (await this.#look({ what: 'health', away: [...away] })) as Omit<PartitionHealth, 'leads' | 'leaders'> & {
      leads: [number, number][];
      leaders: [string, number][];
    };
    return { ...h, leads: new Map(h.leads), leaders: new Map(h.leaders) };
  }

  /** Records behind, per consumer group of the node. */
  async lags(): Promise<Map<string, number>> {
    return new Map(Object.entries((await this.#look({ what: 'lags' })) as Record<string, number>));
  }

  /** The node's groups' total lag. */
  async lag(): Promise<number> {
    return [...(await this.lags()).values()].reduce((a, b) => a + b, 0);
  }

  /** Ends the looking process. */
  close(): void {
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
  }
}

/** The broker leading the most partitions now (the busiest topics are spread over every partition alike). */
export async function busiestLeader(watch: ClusterWatch, nodes: readonly BrokerNode[]): Promise<BrokerNode> {
  const { leads } = await watch.health();
  const [first] = nodes;
  if (first === undefined) throw new Error('no broker');
  return nodes.reduce((best, n) => ((leads.get(n.id) ?? 0) > (leads.get(best.id) ?? 0) ? n : best), first);
}

/** A broker's running process, or an error naming it. */
function processOf(settings: StackSettings, node: BrokerNode): ProcessRef {
  const ref = runningProcess(brokerProcess(settings, node));
  if (ref === undefined) throw new Error(`broker ${node.id} is not running`);
  return ref;
}

/** SIGKILLs a broker and waits until its process is gone. */
export async function killBroker(settings: StackSettings, node: BrokerNode): Promise<void> {
  const ref = processOf(settings, node);
  if (ref.pid <= 1 || ref.pid === process.pid) throw new Error(`broker ${node.id}: not a broker's pid (${ref.pid})`);
  process.kill(ref.pid, 'SIGKILL');
  while (runningProcess(brokerProcess(settings, node)) !== undefined) await sleep(100);
}

/** Starts a broker again and waits until it answers. */
export async function restartBroker(settings: StackSettings, node: BrokerNode): Promise<void> {
  startBroker(settings, node);
  await waitForBroker(settings, node, 180_000);
}

/** SIGSTOPs a broker for `ms` (a hung broker: its connections stay open, nothing is answered), then SIGCONTs it. */
export async function freezeBroker(settings: StackSettings, node: BrokerNode, ms: number): Promise<void> {
  const ref = processOf(settings, node);
  process.kill(ref.pid, 'SIGSTOP');
  try {
    await sleep(ms);
  } finally {
    process.kill(ref.pid, 'SIGCONT');
  }
}

/** Cuts a broker off from the other brokers and from the node's services for `ms` (its namespace's link down). */
export async function isolateBroker(settings: StackSettings, node: BrokerNode, ms: number): Promise<void> {
  const layout = settings.kafka.cluster;
  if (layout === undefined) throw new Error('the cluster does not run in namespaces');
  setConnected(layout, node, false);
  try {
    await sleep(ms);
  } finally {
    setConnected(layout, node, true);
  }
}

/** What the suite measured around one broker fault, in ms from its injection (filled in as it is measured). */
export interface Recovery {
  /**
   * Until every partition had a leader that answers: while the fault lasts, a partition led by none or by a faulted
   * broker counts as unled (a broker killed for good is failed over from; two brokers down leave no quorum to).
   */
  ledMs?: number;
  /** Until the node's total lag was back within `slack` records of its level just before the fault. */
  lagMs?: number;
}

/**
 * Runs a fault on `nodes` and measures its recovery. Resolves once the fault is over and every partition is led
 * again (or `limitMs` from the injection passed); the lag is watched on in the background and fills in `lagMs` when
 * it is back, so that the next fault need not wait for it.
 */
export async function measured(
  watch: ClusterWatch,
  nodes: readonly BrokerNode[],
  fault: () => Promise<void>,
  options: { readonly slack: number; readonly limitMs?: number },
): Promise<Recovery> {
  const limitMs = options.limitMs ?? 300_000;
  const recovery: Recovery = {};
  // Unreadable while an earlier fault still holds the cluster: then the lag is back when it is within the slack.
  const baseline = await watch.lag().catch(() => 0);
  const begun = Date.now();
  const away = new Set(nodes.map((n) => n.id));
  let over = false;
  const led = (async () => {
    // Right after the injection the metadata still names the faulted broker as leader: it counts as away.
    while (Date.now() - begun < limitMs && recovery.ledMs === undefined) {
      const health = await watch.health(over ? new Set() : away).catch(() => undefined);
      if (health !== undefined && health.unled === 0) recovery.ledMs = Date.now() - begun;
      else await sleep(2_000);
    }
  })();
  try {
    await fault();
  } finally {
    over = true;
  }
  await led;
  void (async () => {
    while (Date.now() - begun < limitMs && recovery.lagMs === undefined) {
      const lag = await watch.lag().catch(() => undefined);
      if (lag !== undefined && lag <= baseline + options.slack) recovery.lagMs = Date.now() - begun;
      else await sleep(3_000);
    }
  })();
  return recovery;
}

/** Waits until no partition is under-replicated; resolves with how long that took, or undefined after `limitMs`. */
export async function untilFullyReplicated(watch: ClusterWatch, limitMs: number): Promise<number | undefined> {
  const begun = Date.now();
  while (Date.now() - begun < limitMs) {
    const health = await watch.health().catch(() => undefined);
    if (health !== undefined && health.underReplicated === 0 && health.unled === 0) return Date.now() - begun;
    await sleep(2_000);
  }
  return undefined;
}
