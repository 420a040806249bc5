import type { Command } from 'commander';
import { loadConfig } from '../../runtime/config';
import { table } from '../table';

interface PartitionRow {
  topic: string;
  partition: number;
  status: string;
  lag: number;
  committed: number;
  end: number;
  reason: string;
}
interface GroupStatus {
  group: string;
  status: string;
  totallag: number;
  partitions: PartitionRow[];
  members: number;
}

/** `ncn lag`: the lag monitor's view as a table. */
export function lagCommand(program: Command): void {
  program
    .command('lag')
    .description('consumer lag per group (and per partition with --partitions), from the lag monitor')
    .option('--url <url>', 'the lag monitor [http://localhost:$NCN_LAG_PORT]')
    .option('-p, --partitions', 'every partition, not only the groups', false)
    .addHelpText(
      'after',
      `
Examples:
  ncn lag                                       # each group: status, total lag, the partitions not OK
  ncn lag --partitions --url http://localhost:8088   # every partition, from a monitor at that address`,
    )
    .action(async (options: { url?: string; partitions: boolean }) => {
      const base = (options.url ?? `http://localhost:${loadConfig().lag.port}`).replace(/\/+$/, '');
      const get = async <T>(path: string): Promise<T> => {
        let response: Response;
        try {
          response = await fetch(`${base}${path}`);
        } catch {
          throw new Error(
            `the lag monitor does not answer at ${base}: start it with npm run lag-monitor, or pass --url`,
          );
        }
        if (!response.ok) throw new Error(`the lag monitor answered ${response.status} for ${path}`);
        return (await response.json()) as T;
      };
      const { consumers } = await get<{ consumers: string[] }>('/v3/kafka/local/consumer');
      const groups = await Promise.all(
        consumers.map(
          async (g) =>
            (await get<{ status: GroupStatus }>(`/v3/kafka/local/consumer/${encodeURIComponent(g)}/lag`)).status,
        ),
      );
      if (groups.length === 0) {
        console.log('no consumer group has committed offsets yet');
        return;
      }
      console.log(
        table(
          ['group', 'status', 'total lag', 'partitions', 'members', 'not OK'],
          groups.map((g) => [
            g.group,
            g.status,
            String(g.totallag),
            String(g.partitions.length),
            String(g.members),
            g.partitions
              .filter((p) => p.status !== 'OK')
              .map((p) => `${p.topic}[${p.partition}] ${p.status}`)
              .join(', '),
          ]),
        ),
      );
      if (options.partitions) {
        console.log(
          `\n${table(
            ['group', 'topic', 'partition', 'status', 'lag', 'committed', 'end', 'why'],
            groups.flatMap((g) =>
              g.partitions.map((p) => [
                g.group,
                p.topic,
                String(p.partition),
                p.status,
                String(p.lag),
                String(p.committed),
                String(p.end),
                p.reason,
              ]),
            ),
          )}`,
        );
      }
    });
}
