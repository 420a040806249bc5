import type { Command } from 'commander';
import { stackSettings } from '../../../infra/local/settings';
import {
  clusterStatus,
  down,
  resolveStack,
  status,
  up,
  type ClusterStatus,
  type PartStatus,
} from '../../../infra/local/stack';
import { table } from '../table';

const say = (line: string): void => console.log(line);

export function statusTable(parts: readonly PartStatus[]): string {
  return table(
    ['part', 'health', 'started by', 'endpoint'],
    parts.map((p) => [
      p.name,
      p.healthy ? 'healthy' : 'DOWN',
      p.owner === 'ncn' ? `ncn (pid ${p.pids?.join(', ') ?? '?'})` : p.owner,
      p.endpoint,
    ]),
  );
}

/** The brokers: address, whether each answers, its controller role and leaderships; then what lacks replicas. */
export function clusterTable(cluster: ClusterStatus): string {
  const brokers = table(
    ['broker', 'address', 'answers', 'controller', 'leads'],
    cluster.brokers.map((b) => [
      String(b.id),
      b.address,
      b.answers ? 'yes' : 'NO',
      b.controller === 'leader' ? 'quorum leader' : b.controller,
      String(b.leads),
    ]),
  );
  const count = (n: number | undefined): string => (n === undefined ? 'unknown' : String(n));
  return `${brokers}\nunder-replicated partitions: ${count(cluster.underReplicated)}; partitions without a leader: ${count(cluster.unled)}`;
}

/** `ncn infra resolve|up|down|status`: the local stack without Docker (infra/local). */
export function infraCommand(program: Command): void {
  const infra = program
    .command('infra')
    .description('run Kafka, the schema registry and Redis locally without Docker')
    .addHelpText(
      'after',
      `
\`ncn infra up\` (npm run infra:up) starts what is not running and waits until it is healthy; \`ncn infra down\`
(npm run infra:down) stops what it started.

Examples:
  ncn infra status                              # each part and each broker; under-replicated partitions
  ncn infra status --json

\`ncn infra up --brokers 3\` makes a new stack a cluster of three brokers (replication 3, min.insync.replicas 2;
see docs/cluster.md).`,
    );
  infra
    .command('resolve')
    .description('resolve Kafka and Apicurio Registry from Maven Central into the cache')
    .action(() => resolveStack(stackSettings(), say));
  infra
    .command('up')
    .description('start whatever is not answering yet, wait until healthy, create the topics')
    .option(
      '--brokers <n>',
      'Kafka brokers of a new stack: 1 (the default), or a cluster of 3 to 5 (replication 3, min.insync.replicas 2)',
    )
    .option('--no-namespaces', "a cluster's brokers on this host's ports instead of in network namespaces")
    .action(async (options: { brokers?: string; namespaces: boolean }) => {
      const brokers = options.brokers === undefined ? undefined : Number(options.brokers);
      if (brokers !== undefined && (!Number.isInteger(brokers) || brokers < 1 || brokers === 2 || brokers > 5)) {
        throw new Error(`--brokers: 1, or 3 to 5 (a quorum needs three), got '${options.brokers}'`);
      }
      const parts = await up(stackSettings(), say, {
        ...(brokers === undefined ? {} : { brokers }),
        ...(options.namespaces ? {} : { namespaces: false }),
      });
      say(statusTable(parts));
      process.exitCode = parts.every((p) => p.healthy) ? 0 : 1;
    });
  infra
    .command('down')
    .description('stop what `infra up` started (never an external server) and remove its data')
    .option('--keep-data', 'keep the state folder (Kafka data, logs)')
    .action(async (options: { keepData?: boolean }) => {
      await down(stackSettings(), say, { keepData: options.keepData === true });
    });
  infra
    .command('status')
    .description('health of each part and each broker; exit code 1 when one is down')
    .option('--json', 'print JSON: { parts, cluster }')
    .action(async (options: { json?: boolean }) => {
      const settings = stackSettings();
      const parts = await status(settings);
      const cluster = await clusterStatus(settings);
      say(
        options.json === true
          ? JSON.stringify({ parts, cluster }, null, 2)
          : `${statusTable(parts)}\n\n${clusterTable(cluster)}`,
      );
      process.exitCode = parts.every((p) => p.healthy) && cluster.brokers.every((b) => b.answers) ? 0 : 1;
    });
}
