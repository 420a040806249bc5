import { NodeConsumerGroups } from '../../../contracts/groups';
import { topicCatalogue } from '../../../contracts/topics';
import { ServiceNames, servicePid, startService, stopServices, type ServiceName } from '../../../infra/local/services';
import { stackSettings, type StackSettings } from '../../../infra/local/settings';
import { down, status, up } from '../../../infra/local/stack';
import { loadConfig, type Config } from '../../../services/runtime/config';
import { createKafka, type Admin, type Kafka } from '../../../services/runtime/kafka';
import { createLogger } from '../../../services/runtime/logger';
import { createRedis } from '../../../services/runtime/redis';
import { ensureTopics } from '../../../services/runtime/topics';

type Say = (line: string) => void;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The consumer groups of the node's services: the bench waits on them and resets them. */
export const NodeGroups = NodeConsumerGroups;

/**
 * Deletes every consumer group of the cluster (the bench's own). The node's groups must go: a group still
 * emptying (members of a stopped process are dropped at their session timeout) is tried again for a minute. A
 * throw-away group (a table's, a rebuild's) that is not empty yet is left: its topics are about to go.
 */
async function deleteGroups(admin: Admin): Promise<void> {
  const node = new Set<string>(NodeGroups);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    if (groups.length === 0) return;
    try {
      await admin.deleteGroups(groups);
      return;
    } catch (error) {
      const failed = (error as { groups?: { groupId: string; error?: { type?: string } }[] }).groups ?? [];
      const blocking = failed.filter((g) => g.error?.type !== 'GROUP_ID_NOT_FOUND' && node.has(g.groupId));
      if (failed.length > 0 && blocking.length === 0) return;
      if (Date.now() > deadline) {
        const which = blocking.map((g) => `${g.groupId} (${g.error?.type ?? 'unknown'})`).join(', ');
        throw new Error(`could not delete the consumer groups ${which || 'of the node'}`, { cause: error });
      }
      await sleep(1_000);
    }
  }
}

/** A process of the node as the bench watches it. */
export interface NodeProcess {
  /** `ingest`, or `ingest@2` for a second instance; `kafka`, `schema-registry`, `redis` for the stack. */
  readonly name: string;
  readonly pid: number;
  /** A part of the stack rather than a service of the node. */
  readonly stack: boolean;
}

/** Services that run once however many instances the others have: the lag monitor serves one fixed port. */
const SingleInstance: readonly ServiceName[] = ['lag-monitor'];

/**
 * The bench's own node: its stack (up, reset between phases, down) and its services as processes. Everything
 * goes through infra/local, with the bench's state folder and ports.
 */
export class BenchNode {
  #config: Config;
  readonly #kafka: () => Kafka;
  #client: Kafka | undefined;

  constructor(
    public settings: StackSettings,
    readonly say: Say,
  ) {
    this.#config = settings.config;
    this.#kafka = () => (this.#client ??= createKafka(this.#config, createLogger('bench', 'fatal'), 'ncn-bench'));
  }

  /** The configuration as the bench's own clients use it (with the stack's credentials once it is up). */
  get config(): Config {
    return this.#config;
  }

  get kafka(): Kafka {
    return this.#kafka();
  }

  /** Starts the stack of `brokers` (resolving what is missing) and reads its credentials and brokers. */
  async up(brokers = 1): Promise<void> {
    const parts = await up(this.settings, (line) => this.say(`  ${line}`), { brokers });
    this.settings = stackSettings();
    if (!parts.every((p) => p.healthy)) throw new Error(`the bench's stack is not healthy: ${JSON.stringify(parts)}`);
    this.#config = loadConfig();
    this.#client = undefined;
  }

  /** Stops the services and the stack, and removes the bench's state folder. */
  async down(): Promise<void> {
    await down(this.settings, (line) => this.say(`  ${line}`));
  }

  async #admin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A clean node: services stopped, every consumer group deleted, every topic deleted and the catalogue created
   * again (plus `extra` topics), the services' Redis keys deleted (by their prefix: the bench never flushes a Redis
   * it might share). The registry keeps its schemas: the same schemas get the same ids.
   */
  async reset(extra: readonly { topic: string; numPartitions: number }[] = []): Promise<void> {
    const t0 = Date.now();
    await stopServices(this.settings, () => undefined);
    await this.#admin(async (admin) => {
      await deleteGroups(admin);
      const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 60_000 });
      const deadline = Date.now() + 120_000;
      while ((await admin.listTopics()).some((t) => topics.includes(t))) {
        if (Date.now() > deadline) throw new Error('deleted topics did not go away within 2 minutes');
        await sleep(250);
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await ensureTopics(admin, topicCatalogue, this.#config.kafka.replicationFactor);
          const present = new Set(await admin.listTopics());
          const missing = extra.filter((t) => !present.has(t.topic));
          if (missing.length > 0)
            await admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: 1 })) });
          break;
        } catch (error) {
          // The broker may still be removing a deleted topic of the same name.
          if (attempt >= 20) throw error;
          await sleep(500);
        }
      }
    });
    await this.#flushRedis();
    this.say(`  node reset (topics, groups, Redis keys) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  async #flushRedis(): Promise<void> {
    const redis = createRedis(this.#config);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.#config.redis.prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await redis.quit();
    }
  }

  /**
   * Starts the EURES receiver and every service of the node, `instances` processes of each (the lag monitor
   * once), in parallel, and waits until each consumer group is stable with all its members. `nodeArgs` go to
   * the services named in `profiled` (e.g. `--cpu-prof`).
   */
  async start(
    instances: number,
    options: {
      /** Only these services (and no EURES receiver unless named) [all of them and the receiver]. */
      only?: readonly ServiceName[];
      nodeArgs?: readonly string[];
      profiled?: readonly ServiceName[];
      env?: Record<string, string>;
    } = {},
  ): Promise<void> {
    const t0 = Date.now();
    const env = { NCN_LOG_LEVEL: 'info', ...options.env };
    const chosen = options.only ?? [...ServiceNames, 'eures-stub'];
    if (chosen.includes('eures-stub')) {
      const port = new URL(this.#config.eures.url).port || '80';
      await startService(this.settings, 'eures-stub', env, 120_000, { args: ['--port', port] });
    }
    const starts: Promise<unknown>[] = [];
    for (const name of ServiceNames.filter((n) => chosen.includes(n))) {
      const count = SingleInstance.includes(name) ? 1 : instances;
      for (let instance = 1; instance <= count; instance++) {
        const nodeArgs = options.profiled?.includes(name) ? (options.nodeArgs ?? []) : [];
        starts.push(startService(this.settings, name, env, 180_000, { instance, nodeArgs }));
      }
    }
    await Promise.all(starts);
    await this.waitStable(
      instances,
      NodeGroups.filter((g) => chosen.includes(g.split('.')[0] as ServiceName)),
    );
    this.say(`  services started (${instances} instance(s) each) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  /** Waits until each of the groups is stable with `members` members. */
  async waitStable(members: number, groupIds: readonly string[] = NodeGroups, timeoutMs = 120_000): Promise<void> {
    if (groupIds.length === 0) return;
    await this.#admin(async (admin) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { groups } = await admin.describeGroups([...groupIds]);
        const unsettled = groups.filter((g) => g.state !== 'Stable' || g.members.length !== members);
        if (unsettled.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(
            `groups not stable with ${members} member(s): ${unsettled.map((g) => `${g.groupId} ${g.state} ${g.members.length}`).join(', ')}`,
          );
        await sleep(500);
      }
    });
  }

  /** Stops every service (gracefully: a profiled process writes its profile as it exits). */
  async stop(): Promise<void> {
    await stopServices(this.settings, () => undefined);
  }

  /** The node's running processes: every service instance, the EURES receiver, and the stack's parts. */
  async processes(instances: number): Promise<NodeProcess[]> {
    const found: NodeProcess[] = [];
    for (const name of [...ServiceNames, 'eures-stub'] as const) {
      for (let instance = 1; instance <= instances; instance++) {
        const pid = servicePid(this.settings, name, instance);
        if (pid !== undefined) found.push({ name: instance > 1 ? `${name}@${instance}` : name, pid, stack: false });
      }
    }
    for (const part of await status(this.settings)) {
      const pids = part.pids ?? [];
      pids.forEach((pid, i) =>
        found.push({ name: pids.length > 1 ? `${part.name}@${i + 1}` : part.name, pid, stack: true }),
      );
    }
    return found;
  }
}
