/**
 * `npm run bench:profile-top -- FILE.cpuprofile [N]`: the N (default 15) functions with the most self time in a
 * V8 CPU profile (node --cpu-prof), with file:line, then the files and packages with the most. Lines of the
 * TypeScript sources come from the source maps in tsx's cache (run it on the machine that made the profile).
 */
import { readFileSync } from 'node:fs';
import { renderTop, tsxSourceLines, type CpuProfile } from './pipeline/profile';

const [file, n] = process.argv.slice(2);
if (file === undefined || file === '--help') {
  console.error('usage: npm run bench:profile-top -- FILE.cpuprofile [N]');
  process.exit(file === undefined ? 1 : 0);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
console.log(renderTop(profile, n === undefined ? 15 : Number(n), process.cwd(), tsxSourceLines()));
