import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeIds } from '../../contracts/nodes';

/** The operations a policy may allow (Kafka's ACL operations, by their Java names). */
export const PolicyOperations = ['Read', 'Write', 'Describe', 'DescribeConfigs', 'IdempotentWrite', 'Create'] as const;
export type PolicyOperation = (typeof PolicyOperations)[number];

export type ResourceKind = 'topic' | 'group' | 'transactionalId' | 'cluster';

/** One allowed operation on one resource: what becomes one ACL on the broker. */
export interface Binding {
  readonly principal: string;
  readonly resource: ResourceKind;
  /** The resource's name (`kafka-cluster` for the cluster); with `prefixed`, every name that starts with it. */
  readonly name: string;
  readonly prefixed: boolean;
  readonly operation: PolicyOperation;
}

/** A principal of the policy and what it may do. */
export interface Principal {
  readonly name: string;
  readonly role: string;
  readonly bindings: readonly Binding[];
}

/** The policy file that ships with the project. */
export const defaultPolicyFile = join(__dirname, '../../infra/security/acls.json');

interface RuleEntry {
  readonly topic?: string;
  readonly group?: string;
  readonly transactionalId?: string;
  readonly cluster?: boolean;
  readonly ops: readonly string[];
}

interface PrincipalEntry {
  readonly name: string;
  readonly each?: 'node';
  readonly role?: string;
  readonly allow: readonly RuleEntry[];
}

/** A policy file that cannot be used, with every problem found. */
export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: the security policy has problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a policy file and expands it: a principal with `"each": "node"` becomes one per node id ({node}), and a
 * rule naming {every-node} one rule per node id. A name ending in `*` is a prefix, except `*` alone, Kafka's
 * wildcard (every resource of the kind). Every problem is reported at once, with its place in the file.
 */
export function loadPolicy(file = defaultPolicyFile, text = readFileSync(file, 'utf8')): Principal[] {
  const problems: string[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PolicyError(file, [`not JSON: ${(error as Error).message}`]);
  }
  const entries = isRecord(parsed) && Array.isArray(parsed.principals) ? (parsed.principals as unknown[]) : undefined;
  if (entries === undefined) throw new PolicyError(file, ['expected an object with a "principals" array']);

  const principals: Principal[] = [];
  entries.forEach((raw, i) => {
    const where = `principals[${i}]`;
    if (!isRecord(raw) || typeof raw.name !== 'string' || !Array.isArray(raw.allow)) {
      problems.push(`${where}: expected { "name": string, "allow": [rules] }`);
      return;
    }
    const entry = raw as unknown as PrincipalEntry;
    if (entry.each !== undefined && entry.each !== 'node') problems.push(`${where}.each: only "node" is known`);
    if (entry.each === 'node' && !entry.name.includes('{node}')) {
      problems.push(`${where}.name: a principal for each node needs {node} in its name`);
    }
    if (!/^[A-Za-z0-9{}._-]+$/.test(entry.name)) {
      problems.push(`${where}.name: letters, digits, . _ - only, got '${entry.name}'`);
    }
    const nodes: readonly (string | undefined)[] = entry.each === 'node' ? NodeIds : [undefined];
    for (const node of nodes) {
      const fill = (s: string): string => (node === undefined ? s : s.replaceAll('{node}', node));
      const name = fill(entry.name);
      const bindings: Binding[] = [];
      entry.allow.forEach((rule, j) => {
        const at = `${where}.allow[${j}]`;
        const kinds = (['topic', 'group', 'transactionalId', 'cluster'] as const).filter((k) => rule[k] !== undefined);
        if (kinds.length !== 1) {
          problems.push(`${at}: name exactly one of topic, group, transactionalId, cluster`);
          return;
        }
        const kind = kinds[0] as ResourceKind;
        const ops = Array.isArray(rule.ops) ? rule.ops : [];
        const unknown = ops.filter((o) => !(PolicyOperations as readonly string[]).includes(o));
        if (ops.length === 0 || unknown.length > 0) {
          problems.push(`${at}.ops: expected some of ${PolicyOperations.join(', ')}, got ${JSON.stringify(rule.ops)}`);
          return;
        }
        let names: string[];
        if (kind === 'cluster') {
          if (rule.cluster !== true) problems.push(`${at}.cluster: expected true`);
          names = ['kafka-cluster'];
        } else {
          const value = rule[kind];
          if (typeof value !== 'string' || value === '') {
            problems.push(`${at}.${kind}: expected a name`);
            return;
          }
          if (value.includes('{node}') && node === undefined) {
            problems.push(`${at}.${kind}: {node} is known only for a principal with "each": "node"`);
            return;
          }
          const filled = fill(value);
          names = filled.includes('{every-node}') ? NodeIds.map((n) => filled.replaceAll('{every-node}', n)) : [filled];
        }
        for (const resourceName of names) {
          const prefixed = resourceName.length > 1 && resourceName.endsWith('*');
          for (const operation of ops as PolicyOperation[]) {
            bindings.push({
              principal: name,
              resource: kind,
              name: prefixed ? resourceName.slice(0, -1) : resourceName,
              prefixed,
              operation,
            });
          }
        }
      });
      principals.push({ name, role: typeof entry.role === 'string' ? entry.role : '', bindings });
    }
  });
  const names = principals.map((p) => p.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) problems.push(`principals named twice: ${[...new Set(twice)].join(', ')}`);
  if (problems.length > 0) throw new PolicyError(file, problems);
  return principals;
}

/** Resources match as the broker's authorizer matches them: literally, by the wildcard `*`, or by prefix. */
function covers(b: Binding, resource: ResourceKind, name: string): boolean {
  if (b.resource !== resource) return false;
  if (b.prefixed) return name.startsWith(b.name);
  return b.name === '*' || b.name === name;
}

/**
 * Whether a principal's bindings allow an operation on a resource, as Kafka decides it: Read and Write imply
 * Describe; nothing else implies anything among the operations a policy may name. Tests use it as the oracle of the
 * ACL matrix; the broker is what enforces.
 */
export function allows(
  principal: Principal,
  resource: ResourceKind,
  name: string,
  operation: PolicyOperation,
): boolean {
  const implying: readonly PolicyOperation[] = operation === 'Describe' ? ['Describe', 'Read', 'Write'] : [operation];
  return principal.bindings.some((b) => implying.includes(b.operation) && covers(b, resource, name));
}
