import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaAdmin, type Acl, type Admin } from '../runtime/kafka';
import { topicCatalogue } from '../../contracts/topics';
import type { Config, Env } from '../runtime/config';
import { ensureTopics } from '../runtime/topics';
import type { Binding, PolicyOperation, Principal, ResourceKind } from '../../lib/security/policy';

const resourceTypes: Record<ResourceKind, Acl['resourceType']> = {
  topic: 'TOPIC',
  group: 'GROUP',
  transactionalId: 'TRANSACTIONAL_ID',
  cluster: 'CLUSTER',
};

const operations: Record<PolicyOperation, string> = {
  Read: 'READ',
  Write: 'WRITE',
  Describe: 'DESCRIBE',
  DescribeConfigs: 'DESCRIBE_CONFIGS',
  IdempotentWrite: 'IDEMPOTENT_WRITE',
  Create: 'CREATE',
};

/** The broker's ACL of a binding: allow, from any host. */
export function aclOf(b: Binding): Acl {
  return {
    resourceType: resourceTypes[b.resource],
    resourceName: b.name,
    patternType: b.prefixed ? 'PREFIXED' : 'LITERAL',
    principal: `User:${b.principal}`,
    host: '*',
    operation: operations[b.operation],
    permission: 'ALLOW',
  };
}

const aclKey = (a: Acl): string =>
  [a.principal, a.resourceType, a.resourceName, a.patternType, a.host, a.operation, a.permission].join('|');

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
  /** The Kafka distribution's jars, which run the SCRAM and ACL requests (javaAdmin). */
  readonly kafkaLibs: string;
  readonly say: (line: string) => void;
  readonly dryRun?: boolean;
}): Promise<ProvisionResult> {
  const { admin, config, principals, say } = options;
  const java = javaAdmin(config, options.kafkaLibs);
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
    await java.upsertScramUsers(passwords);
    say(`SCRAM-SHA-512 users created or updated: ${passwords.size}`);
    topicsCreated = (await ensureTopics(admin, topicCatalogue, config.kafka.replicationFactor)).created.length;
    if (topicsCreated > 0) say(`topics created: ${topicsCreated}`);
  }

  const wanted = new Map<string, Acl>();
  for (const p of principals) for (const b of p.bindings) wanted.set(aclKey(aclOf(b)), aclOf(b));
  const present = await java.aclsOf(principals.map((p) => `User:${p.name}`));
  const presentKeys = new Set(present.map(aclKey));
  const missing = [...wanted].filter(([k]) => !presentKeys.has(k)).map(([, a]) => a);
  const extra = present.filter((a) => !wanted.has(aclKey(a)));
  if (dryRun) {
    say(`ACLs: ${wanted.size} in the policy; ${missing.length} to create, ${extra.length} to remove`);
    say('dry run: nothing changed');
  } else {
    await java.createAcls(missing);
    await java.deleteAcls(extra);
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
