import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GroupReport, LagMonitor } from './monitor';
import { lagPage } from './page';

const StatusCode: Record<GroupReport['status'], number> = { OK: 0, WARN: 1, ERR: 2, NOTFOUND: 3 };

/** The monitor's figures as Prometheus metrics, read from its latest evaluation at each scrape. */
export function lagMetrics(monitor: LagMonitor): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'lag-monitor' });
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'ncn_lag_group_status',
    help: 'Status of a consumer group: 0 OK, 1 WARN, 2 ERR, 3 NOTFOUND (Burrow rules)',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of monitor.groups()) this.set({ group: g.group }, StatusCode[g.status]);
    },
  });
  new Gauge({
    name: 'ncn_lag_group_total',
    help: 'Total lag of a consumer group, in records',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      this.reset();
      for (const g of monitor.groups()) this.set({ group: g.group }, g.totalLag);
    },
  });
  const perPartition = (name: string, help: string, value: (p: GroupReport['partitions'][number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['group', 'topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const g of monitor.groups())
          for (const p of g.partitions)
            this.set({ group: g.group, topic: p.topic, partition: String(p.partition) }, value(p));
      },
    });
  };
  perPartition('ncn_lag_partition', 'Lag of a group on a partition, in records', (p) => p.lag);
  perPartition('ncn_lag_partition_committed_offset', "The group's committed offset on a partition", (p) => p.committed);
  perPartition('ncn_lag_partition_end_offset', 'The log-end offset of a partition', (p) => p.end);
  return registry;
}

const json = (response: ServerResponse, status: number, body: unknown): void => {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
};

/**
 * The operators' HTTP view, in Burrow's spirit:
 * - `GET /v3/kafka/local/consumer`: the groups;
 * - `GET /v3/kafka/local/consumer/<group>/status`: status, total lag, the partition with the most lag, and only
 *   the partitions that are not OK;
 * - `GET /v3/kafka/local/consumer/<group>/lag`: the same with every partition;
 * - `GET /api/history`: total lag per group over the last minutes (the page's chart);
 * - `GET /api/cluster`: the brokers (leaderships, controller role), under-replicated and leaderless partitions;
 * - `GET /metrics` (Prometheus), `GET /health`, and `GET /`: the page.
 */
export async function startLagHttp(
  monitor: LagMonitor,
  port: number,
  host = '0.0.0.0',
): Promise<{ server: Server; port: number }> {
  const registry = lagMetrics(monitor);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://monitor');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (request.method !== 'GET') return json(response, 405, { error: true, message: 'only GET' });
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(lagPage);
      return;
    }
    if (path === '/health') return json(response, 200, { status: 'UP', groups: monitor.groups().length });
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': registry.contentType });
          response.end(text);
        },
        (error: unknown) => json(response, 500, { error: true, message: String(error) }),
      );
      return;
    }
    if (path === '/api/history') return json(response, 200, monitor.history());
    if (path === '/api/cluster') return json(response, 200, monitor.cluster() ?? null);
    if (path === '/v3/kafka/local/consumer') {
      return json(response, 200, {
        error: false,
        message: 'consumer list returned',
        consumers: monitor.groups().map((g) => g.group),
      });
    }
    const m = /^\/v3\/kafka\/local\/consumer\/([^/]+)\/(status|lag)$/.exec(path);
    if (m) {
      const group = monitor.group(decodeURIComponent(m[1] ?? ''));
      if (group === undefined) return json(response, 404, { error: true, message: 'consumer group not found' });
      const partitions = m[2] === 'lag' ? group.partitions : group.partitions.filter((p) => p.status !== 'OK');
      return json(response, 200, {
        error: false,
        message: `consumer ${m[2]} returned`,
        status: {
          group: group.group,
          status: group.status,
          complete: 1,
          partitions,
          partition_count: group.partitions.length,
          maxlag: group.maxLag ?? null,
          totallag: group.totalLag,
          members: group.members,
          partitions_without_leader: group.unled,
          sampled_at: group.sampledAt,
        },
      });
    }
    return json(response, 404, { error: true, message: `no such resource: ${path}` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
