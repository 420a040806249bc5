import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  clientProperties,
  parseClientProperties,
  type BrokerNode,
  type SaslSettings,
} from '../../services/runtime/config';
import { clusterAnswers } from '../../services/runtime/kafka';
import { javaExecutable, maven } from './java';
import { ensureNamespaces, inNamespace } from './netns';
import { run, runningProcess, startDetached, tail, waitFor, type Managed, type ProcessRef } from './processes';
import { Versions, type StackSettings } from './settings';

const pom = resolve(__dirname, 'kafka-pom.xml');

/**
 * A new cluster's id: 16 random bytes in base64url, as Kafka's own `random-uuid` makes it, never starting with '-'
 * (the format command would take it for an option: one id in 64 would, and the stack would not start).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
export const kafkaLibs = (s: StackSettings): string => join(s.cacheDir, `kafka-${Versions.kafka}`, 'libs');
/** A broker's folder: `kafka/` for a single broker, `kafka-<id>/` for each broker of a cluster. */
const brokerDir = (s: StackSettings, node: BrokerNode): string =>
  s.kafka.nodes.length === 1 ? join(s.stateDir, 'kafka') : join(s.stateDir, `kafka-${node.id}`);

/** The stack's super user: the one principal that provisions the others (`ncn security provision`). */
export const StackAdmin = 'ncn-admin';

/** The client properties file of the stack's super user (read by loadConfig when no credentials are given). */
export const stackClientProperties = (s: StackSettings): string => join(s.stateDir, 'kafka-client.properties');

/**
 * The stack admin's credentials: read from the state folder, or made (a random password, the file readable by its
 * owner only) when the stack is new. Never in the repository; `down` removes them with the data.
 */
export function stackAdmin(s: StackSettings, create = false): SaslSettings | undefined {
  const file = stackClientProperties(s);
  if (existsSync(file)) {
    const parsed = parseClientProperties(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'string') return parsed;
    if (!create) throw new Error(`${file}: ${parsed}`);
  }
  if (!create) return undefined;
  const admin: SaslSettings = {
    mechanism: 'scram-sha-512',
    username: StackAdmin,
    password: randomBytes(24).toString('base64url'),
  };
  mkdirSync(s.stateDir, { recursive: true });
  writeFileSync(file, clientProperties(admin), { mode: 0o600 });
  return admin;
}

/** The process of one broker of the stack. */
export const brokerProcess = (s: StackSettings, node: BrokerNode): Managed => ({
  name: s.kafka.nodes.length === 1 ? 'kafka' : `kafka-${node.id}`,
  pidFile: join(brokerDir(s, node), 'kafka.pid'),
  marker: `-Dncn.stack=${brokerDir(s, node)}`,
  markerIsUnique: true,
});

/** The processes of every broker of the stack. */
export const kafkaProcesses = (s: StackSettings): Managed[] => s.kafka.nodes.map((node) => brokerProcess(s, node));

/** A broker's bootstrap address. */
export const brokerAddress = (node: BrokerNode): string =>
  `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`;

/** Resolves kafka_2.13 and its dependencies (plus Log4j 2) into the cache with Maven; once per version. */
export function resolveKafka(s: StackSettings): { resolved: boolean } {
  const libs = kafkaLibs(s);
  const done = join(libs, '.complete');
  if (existsSync(done)) return { resolved: false };
  mkdirSync(libs, { recursive: true });
  maven(
    [
      '-f',
      pom,
      `-Dkafka.version=${Versions.kafka}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    libs,
  );
  if (!readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) throw new Error(`No kafka_2.13 jar in ${libs}`);
  writeFileSync(done, new Date().toISOString());
  return { resolved: true };
}

/** Who the stack's own tools log in as: its admin when it made one, else whoever the configuration names. */
export function stackCredentials(s: StackSettings): SaslSettings | undefined {
  return stackAdmin(s) ?? s.config.kafka.sasl;
}

/**
 * One combined broker+controller in KRaft mode (every broker of a cluster is one: a quorum of all of them), secured:
 * clients authenticate with SASL/SCRAM-SHA-512 on the broker's listener (the brokers too, as the stack admin), the
 * controller listener takes SASL/PLAIN (KRaft controllers cannot use SCRAM: its credentials live in the metadata
 * they serve), and the KRaft authorizer refuses whatever no ACL allows. The admin is the only super user.
 * Auto-creation off. Replication follows the cluster: on one broker 1 (internal topics included, so that groups and
 * transactions work), on three or more 3 with min.insync.replicas=2, so an acknowledged write (acks=all) is on two
 * brokers at least and one broker may be lost without stopping writes; unclean leader election stays off.
 */
export function serverProperties(s: StackSettings, admin: SaslSettings, node: BrokerNode = firstNode(s)): string {
  const bracket = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  const host = bracket(node.host);
  const replication = Math.min(3, s.kafka.nodes.length);
  const minInsync = replication >= 3 ? 2 : 1;
  const user = `username="${admin.username}" password="${admin.password}"`;
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${s.kafka.nodes.map((n) => `${n.id}@${bracket(n.host)}:${n.controllerPort}`).join(',')}`,
    `listeners=CLIENT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    `advertised.listeners=CLIENT://${host}:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    'listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    'listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required ${user};`,
    'sasl.mechanism.controller.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${user} user_${admin.username}="${admin.password}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${admin.username}`,
    `log.dirs=${join(brokerDir(s, node), 'data')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${minInsync}`,
    'unclean.leader.election.enable=false',
    `offsets.topic.replication.factor=${replication}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replication}`,
    `transaction.state.log.min.isr=${minInsync}`,
    'transaction.state.log.num.partitions=10',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=168',
    'log.segment.bytes=67108864',
    // Submissions up to 16 MiB must arrive to be refused (contracts/topics.ts, LargeMessageBytes).
    'message.max.bytes=16777216',
    'replica.fetch.max.bytes=16777216',
    '',
  ].join('\n');
}

/** Log4j 2's configuration (properties format): everything to one file, the request and state loggers at WARN. */
function log4jProperties(file: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${file}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    'logger.request.name = kafka.request.logger',
    'logger.request.level = warn',
    'logger.state.name = state.change.logger',
    'logger.state.level = warn',
    '',
  ].join('\n');
}

function firstNode(s: StackSettings): BrokerNode {
  const [node] = s.kafka.nodes;
  if (node === undefined) throw new Error('the stack has no broker');
  return node;
}

/** The cluster id of a broker's formatted storage, if it has been formatted. */
function formattedClusterId(s: StackSettings, node: BrokerNode): string | undefined {
  const meta = join(brokerDir(s, node), 'data', 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

/**
 * Starts every broker of the stack that is not running (see startBroker); on a cluster in namespaces, makes the
 * namespaces first.
 */
export function startKafka(s: StackSettings): ProcessRef[] {
  if (s.kafka.cluster !== undefined) ensureNamespaces(s.kafka.cluster);
  // Every broker of a cluster formats its storage with the same cluster id: an existing broker's, else a new one.
  const clusterId = s.kafka.nodes.map((n) => formattedClusterId(s, n)).find((id) => id !== undefined) ?? newClusterId();
  return s.kafka.nodes.flatMap((node) =>
    runningProcess(brokerProcess(s, node)) === undefined ? [startBroker(s, node, clusterId)] : [],
  );
}

/**
 * Formats a broker's storage on its first start (with the cluster's id and the admin's SCRAM credential), then
 * starts kafka.Kafka detached, in the broker's namespace when it has one.
 */
export function startBroker(s: StackSettings, node: BrokerNode, clusterId = formattedClusterId(s, node)): ProcessRef {
  const dir = brokerDir(s, node);
  mkdirSync(dir, { recursive: true });
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.properties');
  const fresh = !existsSync(join(dir, 'data', 'meta.properties'));
  const admin = stackAdmin(s, true);
  if (admin === undefined) throw new Error('no stack admin credentials');
  writeFileSync(properties, serverProperties(s, admin, node), { mode: 0o600 });
  writeFileSync(log4j, log4jProperties(join(dir, 'server.log')));
  const java = javaExecutable();
  const classpath = `${kafkaLibs(s)}/*`;
  const common = [`-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath];
  if (fresh) {
    // The admin's SCRAM credential is written into the new cluster's metadata (KIP-900): it can log in from the start.
    const scram = `SCRAM-SHA-512=[name=${admin.username},password=${admin.password}]`;
    const format = run(java, [
      ...common,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId ?? newClusterId(),
      '-c',
      properties,
      '--add-scram',
      scram,
    ]);
    if (format.status !== 0) throw new Error(`Formatting Kafka storage failed:\n${format.output}`);
  }
  // A heap that fits three brokers beside the node on a small machine.
  const heap = s.kafka.nodes.length === 1 ? ['-Xms256m', '-Xmx1g'] : ['-Xms256m', '-Xmx768m'];
  const proc = brokerProcess(s, node);
  const [command, args] = inNamespace(node, java, [
    ...heap,
    '-XX:+UseG1GC',
    proc.marker,
    ...common,
    'kafka.Kafka',
    properties,
  ]);
  return startDetached(proc, command, args, { cwd: dir, logFile: join(dir, 'stdout.log') });
}

/** True when a broker answers a metadata request at its own address. */
export function brokerHealthy(s: StackSettings, node: BrokerNode): Promise<boolean> {
  return clusterAnswers([brokerAddress(node)], stackCredentials(s));
}

/** True when every broker of the stack answers. */
export async function kafkaHealthy(s: StackSettings): Promise<boolean> {
  const answers = await Promise.all(s.kafka.nodes.map((node) => brokerHealthy(s, node)));
  return answers.every(Boolean);
}

/** Waits until a broker answers; fails at once when its process exited (with the end of its log). */
export async function waitForBroker(s: StackSettings, node: BrokerNode, timeoutMs: number): Promise<void> {
  const proc = brokerProcess(s, node);
  await waitFor(proc.name === 'kafka' ? 'Kafka' : `Kafka broker ${node.id}`, () => brokerHealthy(s, node), {
    timeoutMs,
    failFast: () =>
      runningProcess(proc) === undefined
        ? `the broker exited; its log ends:\n${tail(join(brokerDir(s, node), 'server.log'))}`
        : undefined,
  });
}

export async function waitForKafka(s: StackSettings, timeoutMs: number): Promise<void> {
  await Promise.all(s.kafka.nodes.map((node) => waitForBroker(s, node, timeoutMs)));
}
