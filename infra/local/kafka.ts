import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientProperties, parseClientProperties, type SaslSettings } from '../../services/runtime/config';
import { clusterAnswers } from '../../services/runtime/kafka';
import { javaExecutable, maven } from './java';
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
const kafkaDir = (s: StackSettings): string => join(s.stateDir, 'kafka');

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

export const kafkaProcess = (s: StackSettings): Managed => ({
  name: 'kafka',
  pidFile: join(kafkaDir(s), 'kafka.pid'),
  marker: `-Dncn.stack=${join(s.stateDir, 'kafka')}`,
  markerIsUnique: true,
});

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
 * A single combined broker+controller in KRaft mode, secured: clients authenticate with SASL/SCRAM-SHA-512 on the
 * broker's listener (the broker itself too, as the stack admin), the controller listener takes SASL/PLAIN (KRaft
 * controllers cannot use SCRAM: its credentials live in the metadata they serve), and the KRaft authorizer
 * refuses whatever no ACL allows. The admin is the only super user. Auto-creation off, replication 1 for the
 * internal topics (offsets, transactions) so that consumer groups and transactions work on one node.
 */
export function serverProperties(s: StackSettings, admin: SaslSettings): string {
  const { port, controllerPort } = s.kafka;
  const host = s.kafka.host.includes(':') ? `[${s.kafka.host}]` : s.kafka.host;
  const user = `username="${admin.username}" password="${admin.password}"`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=CLIENT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=CLIENT://${host}:${port}`,
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
    `log.dirs=${join(kafkaDir(s), 'data')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
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

/** Formats storage on first start (a fresh cluster id), then starts kafka.Kafka detached. */
export function startKafka(s: StackSettings): ProcessRef {
  const dir = kafkaDir(s);
  mkdirSync(dir, { recursive: true });
  const properties = join(dir, 'server.properties');
  const log4j = join(dir, 'log4j2.properties');
  const fresh = !existsSync(join(dir, 'data', 'meta.properties'));
  const admin = stackAdmin(s, true);
  if (admin === undefined) throw new Error('no stack admin credentials');
  writeFileSync(properties, serverProperties(s, admin), { mode: 0o600 });
  writeFileSync(log4j, log4jProperties(join(dir, 'server.log')));
  const java = javaExecutable();
  const classpath = `${kafkaLibs(s)}/*`;
  const common = [`-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath];
  if (fresh) {
    const clusterId = newClusterId();
    // The admin's SCRAM credential is written into the new cluster's metadata (KIP-900): it can log in from the start.
    const scram = `SCRAM-SHA-512=[name=${admin.username},password=${admin.password}]`;
    const format = run(java, [
      ...common,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      properties,
      '--add-scram',
      scram,
    ]);
    if (format.status !== 0) throw new Error(`Formatting Kafka storage failed:\n${format.output}`);
  }
  return startDetached(
    kafkaProcess(s),
    java,
    ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', kafkaProcess(s).marker, ...common, 'kafka.Kafka', properties],
    { cwd: dir, logFile: join(dir, 'stdout.log') },
  );
}

/** True when the broker answers a metadata request. */
export function kafkaHealthy(s: StackSettings): Promise<boolean> {
  return clusterAnswers(s.config.kafka.brokers, stackCredentials(s));
}

export async function waitForKafka(s: StackSettings, timeoutMs: number): Promise<void> {
  const proc = kafkaProcess(s);
  await waitFor('Kafka', () => kafkaHealthy(s), {
    timeoutMs,
    failFast: () =>
      runningProcess(proc) === undefined
        ? `the broker exited; its log ends:\n${tail(join(kafkaDir(s), 'server.log'))}`
        : undefined,
  });
}
