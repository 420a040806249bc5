import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientProperties, type Config } from '../config';

/** An ACL as the broker holds it, in Kafka's enumeration names. */
export interface Acl {
  readonly resourceType: 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID' | 'CLUSTER';
  readonly resourceName: string;
  readonly patternType: 'LITERAL' | 'PREFIXED';
  /** `User:<name>`. */
  readonly principal: string;
  /** `*` for any host. */
  readonly host: string;
  /** READ, WRITE, DESCRIBE, DESCRIBE_CONFIGS, IDEMPOTENT_WRITE, CREATE, ... */
  readonly operation: string;
  readonly permission: 'ALLOW' | 'DENY';
}

/** A topic configuration entry as the broker holds it, and where its value comes from (DYNAMIC_TOPIC_CONFIG, ...). */
export interface ConfigValue {
  readonly value: string;
  readonly source: string;
}

/**
 * The admin requests Confluent's client (librdkafka) does not have, made by Kafka's own Java admin client
 * (infra/kafka-admin/KafkaAdmin.java, run on the Kafka distribution's jars, so it needs `java` and those jars):
 * SCRAM users, ACLs, topic configurations. Each call is one short JVM run (about a second).
 */
export interface JavaAdmin {
  /** Creates or updates SCRAM-SHA-512 users with these passwords (given on stdin, never in a command line). */
  upsertScramUsers(users: ReadonlyMap<string, string>): Promise<void>;
  /** Every ACL whose principal is one of these (`User:<name>`). */
  aclsOf(principals: readonly string[]): Promise<Acl[]>;
  createAcls(acls: readonly Acl[]): Promise<void>;
  /** Deletes exactly these ACLs; resolves with how many the broker deleted. */
  deleteAcls(acls: readonly Acl[]): Promise<number>;
  /** A topic's configuration, every entry by name. */
  topicConfigs(topic: string): Promise<Map<string, ConfigValue>>;
  /** The brokers the cluster knows and its KRaft controller quorum. */
  quorum(): Promise<Quorum>;
}

/** A cluster's brokers and controller quorum, as Kafka's DescribeCluster and DescribeQuorum answer. */
export interface Quorum {
  readonly brokers: readonly { readonly id: number; readonly host: string; readonly port: number }[];
  /** The voter that leads the quorum (the active controller). */
  readonly leader: number;
  /** Each voter, and how long ago it last caught up with the leader (undefined: never reported). */
  readonly voters: readonly { readonly id: number; readonly logEndOffset: number; readonly behindMs?: number }[];
}

const AclFields = 7;

const aclLine = (a: Acl): string =>
  [a.resourceType, a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permission].join('\t');

/** The Java admin for `config`'s cluster, as its admin user (`config.kafka.sasl`), on the jars in `kafkaLibs`. */
export function javaAdmin(config: Config, kafkaLibs: string): JavaAdmin {
  const run = async (command: string, lines: readonly string[]): Promise<string[][]> => {
    const dir = join(tmpdir(), `ncn-admin-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    const properties = join(dir, 'admin.properties');
    try {
      const { sasl, ssl } = config.kafka;
      writeFileSync(properties, sasl ? clientProperties(sasl, ssl !== undefined) : '', { mode: 0o600 });
      const child = spawn(
        'java',
        [
          // Log4j 2 (Kafka 4's backend) without a configuration file: its default configuration, silenced.
          '-Dlog4j2.level=OFF',
          '-cp',
          `${kafkaLibs}/*`,
          join(__dirname, '../../../infra/kafka-admin/KafkaAdmin.java'),
          properties,
          config.kafka.brokers.join(','),
          command,
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const exit = new Promise<number | string>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
      });
      child.stdin.end(lines.map((l) => `${l}\n`).join(''));
      const status = await exit.finally(() => clearTimeout(timer));
      const rows = stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split('\t'));
      const errors = rows.filter((r) => r[0] === 'error');
      if (status !== 0 || errors.length > 0) {
        const detail =
          errors.length > 0
            ? errors.map((r) => r.slice(1).join(': ')).join('\n')
            : stderr.split('\n').slice(-15).join('\n');
        throw new Error(`Kafka's Java admin (${command}) failed (java exit ${status}):\n${detail}`);
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  return {
    async upsertScramUsers(users) {
      if (users.size === 0) return;
      await run(
        'scram-users',
        [...users].map(([name, password]) => `${name}\t${password}`),
      );
    },
    async aclsOf(principals) {
      if (principals.length === 0) return [];
      const rows = await run('acls-of', principals);
      return rows
        .filter((r) => r[0] === 'acl' && r.length === AclFields + 1)
        .map(([, resourceType, resourceName, patternType, principal, host, operation, permission]) => ({
          resourceType: resourceType as Acl['resourceType'],
          resourceName: resourceName ?? '',
          patternType: patternType as Acl['patternType'],
          principal: principal ?? '',
          host: host ?? '*',
          operation: operation ?? '',
          permission: permission as Acl['permission'],
        }));
    },
    async createAcls(acls) {
      if (acls.length > 0) await run('acls-create', acls.map(aclLine));
    },
    async deleteAcls(acls) {
      if (acls.length === 0) return 0;
      const [ok] = await run('acls-delete', acls.map(aclLine));
      return Number(ok?.[1] ?? 0);
    },
    async quorum() {
      const rows = await run('quorum', []);
      return {
        brokers: rows
          .filter((r) => r[0] === 'broker')
          .map(([, id, host, port]) => ({ id: Number(id), host: host ?? '', port: Number(port) })),
        leader: Number(rows.find((r) => r[0] === 'leader')?.[1] ?? -1),
        voters: rows
          .filter((r) => r[0] === 'voter')
          .map(([, id, end, behind]) => ({
            id: Number(id),
            logEndOffset: Number(end),
            ...(behind === undefined || behind === '' ? {} : { behindMs: Number(behind) }),
          })),
      };
    },
    async topicConfigs(topic) {
      const rows = await run('topic-configs', [topic]);
      return new Map(
        rows
          .filter((r) => r[0] === 'config')
          .map(([, , name, value, source]) => [name ?? '', { value: value ?? '', source: source ?? '' }]),
      );
    },
  };
}
