import { existsSync } from 'node:fs';
import type { BrokerNode, ClusterLayout } from '../../services/runtime/config';
import { run } from './processes';

/**
 * Test hosts of the stack's own making: one Linux network namespace per broker, each with an address of its own on
 * a bridge of this host (iproute2; root only). They let a fault cut one broker off from the others and from the
 * node's services while every process stays up, which brokers on loopback ports cannot show. Nothing leaves this
 * machine: the bridge's subnet (10.77.<n>.0/24) is routed nowhere else, and the namespaces have no other link.
 */

/** Whether this process can make namespaces: root, with iproute2's `ip`. */
export function namespacesAvailable(): boolean {
  return process.getuid?.() === 0 && (existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') || existsSync('/bin/ip'));
}

/** The names and addresses of a stack's namespaced cluster of `count` brokers listening on `port`. */
export function namespacedLayout(base: string, port: number, count: number): ClusterLayout {
  // One subnet per stack (the test stack and the chaos stack listen on different ports): 10.77.<port mod 256>.0/24.
  const subnet = `10.77.${port % 256}`;
  return {
    base,
    bridge: { name: `ncnbr${port}`, address: `${subnet}.1` },
    brokers: Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      host: `${subnet}.${11 + i}`,
      port,
      controllerPort: port + 1,
      netns: `ncn-${port}-${i + 1}`,
    })),
  };
}

/** The host side of a broker's link: taking it down cuts the broker off from everyone. */
const hostLink = (node: BrokerNode): string => `ncnv${node.port}x${node.id}`;

function ip(args: readonly string[], allowFailure = false): void {
  const result = run('ip', args);
  if (result.status !== 0 && !allowFailure) throw new Error(`ip ${args.join(' ')}: ${result.output.trim()}`);
}

const exists = (args: readonly string[]): boolean => run('ip', args).status === 0;

/** Makes the bridge and each broker's namespace and link, as far as they are missing. Idempotent. */
export function ensureNamespaces(layout: ClusterLayout): void {
  const bridge = layout.bridge;
  if (bridge === undefined) return;
  if (!exists(['link', 'show', bridge.name])) {
    ip(['link', 'add', bridge.name, 'type', 'bridge']);
    ip(['addr', 'add', `${bridge.address}/24`, 'dev', bridge.name]);
  }
  ip(['link', 'set', bridge.name, 'up']);
  for (const node of layout.brokers) {
    if (node.netns === undefined) continue;
    const outside = hostLink(node);
    if (!exists(['netns', 'pids', node.netns])) ip(['netns', 'add', node.netns]);
    if (!exists(['link', 'show', outside])) {
      const inside = `ncnp${node.port}x${node.id}`;
      ip(['link', 'add', outside, 'type', 'veth', 'peer', 'name', inside]);
      ip(['link', 'set', inside, 'netns', node.netns]);
      ip(['-n', node.netns, 'link', 'set', inside, 'name', 'eth0']);
      ip(['-n', node.netns, 'addr', 'add', `${node.host}/24`, 'dev', 'eth0']);
      ip(['link', 'set', outside, 'master', bridge.name]);
    }
    ip(['-n', node.netns, 'link', 'set', 'lo', 'up']);
    ip(['-n', node.netns, 'link', 'set', 'eth0', 'up']);
    ip(['link', 'set', outside, 'up']);
  }
}

/** Removes the namespaces, their links and the bridge (the brokers in them must be stopped first). */
export function removeNamespaces(layout: ClusterLayout): void {
  for (const node of layout.brokers) {
    if (node.netns === undefined) continue;
    ip(['link', 'del', hostLink(node)], true);
    ip(['netns', 'del', node.netns], true);
  }
  if (layout.bridge !== undefined) ip(['link', 'del', layout.bridge.name], true);
}

/** Cuts a broker off from the other brokers and from this host (its process keeps running), or joins it again. */
export function setConnected(layout: ClusterLayout, node: BrokerNode, connected: boolean): void {
  if (node.netns === undefined) throw new Error(`broker ${node.id} does not run in a namespace of its own`);
  ip(['link', 'set', hostLink(node), connected ? 'up' : 'down']);
}

/** The command that runs `command` in the broker's namespace (the command itself when it has none). */
export function inNamespace(node: BrokerNode, command: string, args: readonly string[]): [string, string[]] {
  return node.netns === undefined ? [command, [...args]] : ['ip', ['netns', 'exec', node.netns, command, ...args]];
}
