import { join } from 'node:path';
import { run } from './processes';

/** The java executable: $JAVA_HOME/bin/java when set, else `java` on the PATH. Requires Java 17 or later. */
export function javaExecutable(): string {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const { status, output } = run(java, ['-version']);
  if (status !== 0) throw new Error(`Java 17 or later is required; '${java} -version' failed: ${output.trim()}`);
  const match = /version "(\d+)/.exec(output);
  const major = match ? Number(match[1]) : 0;
  if (major < 17) throw new Error(`Java 17 or later is required; found: ${output.split('\n')[0] ?? output}`);
  return java;
}

/** Maven, used to resolve artifacts from Maven Central into the cache. */
export function maven(args: readonly string[], cwd: string): void {
  const { status, output } = run('mvn', ['-B', '--no-transfer-progress', ...args], cwd);
  if (status === 127) throw new Error('Maven (mvn) is required to resolve the local stack: install Apache Maven 3.8+');
  if (status !== 0) throw new Error(`mvn ${args.join(' ')} failed:\n${output.split('\n').slice(-30).join('\n')}`);
}
