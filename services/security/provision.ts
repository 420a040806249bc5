import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Acl,
  type AclEntry,
  type Admin,
} from '../runtime/kafka';
import { topicCatalogue } from '../../contracts/topics';
import { clientProperties, type Config, type Env, type SaslSettings } from '../runtime/config';
import { ensureTopics } from '../runtime/topics';
import type { Binding, PolicyOperation, Principal, ResourceKind } from './policy';

const resourceTypes: Record<ResourceKind, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
  cluster: AclResourceTypes.CLUSTER,
};

const operations: Record<PolicyOperation, AclOperationTypes> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
  Create: AclOperationTypes.CREATE,
};

/** The broker's ACL of a binding: allow, from any host. */
export function aclOf(b: Binding): AclEntry {
  return {
    resourceType: resourceTypes[b.resource],
    resourceName: b.name,
    resourcePatternType: b.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${b.principal}`,
    host: '*',
    operation: operations[b.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const aclKey = (a: AclEntry): string =>
  [a.principal, a.resourceType, a.resourceName, a.resourcePatternType, a.host, a.operation, a.permissionType].join('|');

/** The environment variable that may hold a principal's password: NCN_PASSWORD_ and the name in capitals. */
export const passwordVariable = (principal: string): string =>
  `NCN_PASSWORD_${principal.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * Each principal's password: from its environment variable, else from `<dir>/<name>.password`, else a new random
 * one written there (readable by its owner only). The directory is outside the repository. A dry run writes
 * nothing: a password it would make is only counted.
 */
export function principalPasswords(
  principals: readonly Principal[],
  dir: string,
  env: Env,
  dryRun = false,
): { passwords: Map<string, string>; generated: number } {
  const passwords = new Map<string, string>();
  let generated = 0;
  for (const { name } of principals) {
    const fromEnv = env[passwordVariable(name)];
    const file = join(dir, `${name}.password`);
    if (fromEnv) passwords.set(name, fromEnv);
    else if (existsSync(file)) passwords.set(name, readFileSync(file, 'utf8').trim());
    else if (dryRun) generated++;
    else {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const password = randomBytes(24).toString('base64url');
      writeFileSync(file, `${password}\n`, { mode: 0o600 });
      passwords.set(name, password);
      generated++;
    }
  }
  return { passwords, generated };
}

/**
 * Creates or updates the SCRAM-SHA-512 users with Kafka's Java admin client (infra/security/ScramUsers.java, run
 * on Kafka's jars): kafkajs has no AlterUserScramCredentials. Passwords go through stdin.
 */
export function upsertScramUsers(
  users: ReadonlyMap<string, string>,
  options: { config: Config; admin: SaslSettings | undefined; kafkaLibs: string },
): void {
  const dir = join(tmpdir(), `ncn-scram-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { mode: 0o700 });
  const properties = join(dir, 'admin.properties');
  try {
    writeFileSync(
      properties,
      options.admin ? clientProperties(options.admin, options.config.kafka.ssl !== undefined) : '',
      { mode: 0o600 },
    );
    const result = spawnSync(
      'java',
      [
        // Log4j 2 (Kafka 4's backend) without a configuration file: its default configuration, silenced.
        '-Dlog4j2.level=OFF',
        '-cp',
        `${options.kafkaLibs}/*`,
        join(__dirname, '../../infra/security/ScramUsers.java'),
        properties,
        options.config.kafka.brokers.join(','),
      ],
      {
        input: [...users].map(([name, password]) => `${name}\t${password}\n`).join(''),
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    const failures = (result.stdout ?? '').split('\n').filter((l) => l.startsWith('error\t'));
    if (result.status !== 0 || failures.length > 0) {
      const detail =
        failures.length > 0 ? failures.join('\n') : (result.stderr ?? '').split('\n').slice(-15).join('\n');
      throw new Error(`Creating the SCRAM users failed (java exit ${result.status ?? result.signal}):\n${detail}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What provisioning changed. */
export interface ProvisionResult {
  readonly principals: number;
  readonly passwordsGenerated: number;
  readonly topicsCreated: number;
  readonly aclsWanted: number;
  readonly aclsCreated: number;
  readonly aclsRemoved: number;
  /** Each principal's password, as the users were given it. */
  readonly passwords: ReadonlyMap<string, string>;
}

/** The ACLs the broker holds for these principals. */
export async function currentAcls(admin: Admin, principals: readonly string[]): Promise<AclEntry[]> {
  const found: AclEntry[] = [];
  for (const name of principals) {
    const response = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: `User:${name}`,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    for (const r of response.resources) {
      for (const acl of r.acls as Acl[]) {
        found.push({
          resourceType: r.resourceType,
          resourceName: r.resourceName,
          resourcePatternType: r.resourcePatternType,
          ...acl,
        });
      }
    }
  }
  return found;
}

/**
 * Makes the cluster match the policy: the SCRAM users with their passwords, the catalogue's topics, and for the
 * policy's principals exactly the policy's ACLs (missing ones created, others of theirs removed). Runs as a
 * super user. Idempotent: a second run changes nothing. A dry run reads the same and says what it would change,
 * changing nothing (no password file, user, topic or ACL).
 */
export async function provision(options: {
  readonly admin: Admin;
  readonly config: Config;
  readonly principals: readonly Principal[];
  readonly credentialsDir: string;
  readonly env: Env;
  readonly kafkaLibs: string;
  readonly say: (line: string) => void;
  readonly dryRun?: boolean;
}): Promise<ProvisionResult> {
  const { admin, config, principals, say } = options;
  const dryRun = options.dryRun === true;
  const { passwords, generated } = principalPasswords(principals, options.credentialsDir, options.env, dryRun);
  say(
    `${principals.length} principals; passwords in ${options.credentialsDir} or NCN_PASSWORD_* (${generated} ${dryRun ? 'would be ' : ''}new)`,
  );
  let topicsCreated: number;
  if (dryRun) {
    say(`SCRAM-SHA-512 users to create or update: ${principals.length}`);
    const present = new Set(await admin.listTopics());
    topicsCreated = topicCatalogue.filter((t) => !present.has(t.name)).length;
    if (topicsCreated > 0) say(`topics to create: ${topicsCreated}`);
  } else {
    upsertScramUsers(passwords, { config, admin: config.kafka.sasl, kafkaLibs: options.kafkaLibs });
    say(`SCRAM-SHA-512 users created or updated: ${passwords.size}`);
    topicsCreated = (await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor)).created.length;
    if (topicsCreated > 0) say(`topics created: ${topicsCreated}`);
  }

  const wanted = new Map<string, AclEntry>();
  for (const p of principals) for (const b of p.bindings) wanted.set(aclKey(aclOf(b)), aclOf(b));
  const present = await currentAcls(
    admin,
    principals.map((p) => p.name),
  );
  const presentKeys = new Set(present.map(aclKey));
  const missing = [...wanted].filter(([k]) => !presentKeys.has(k)).map(([, a]) => a);
  const extra = present.filter((a) => !wanted.has(aclKey(a)));
  if (dryRun) {
    say(`ACLs: ${wanted.size} in the policy; ${missing.length} to create, ${extra.length} to remove`);
    say('dry run: nothing changed');
  } else {
    for (let i = 0; i < missing.length; i += 500) await admin.createAcls({ acl: missing.slice(i, i + 500) });
    if (extra.length > 0) await admin.deleteAcls({ filters: extra });
    say(`ACLs: ${wanted.size} in the policy; ${missing.length} created, ${extra.length} removed`);
  }
  return {
    principals: principals.length,
    passwordsGenerated: generated,
    topicsCreated,
    aclsWanted: wanted.size,
    aclsCreated: missing.length,
    aclsRemoved: extra.length,
    passwords,
  };
}
