/**
 * `npm run bench`: how fast the contracts library works, on this machine. Prints figures; asserts nothing
 * (performance is measured here, never by timing assertions in tests).
 *  - validator throughput on typical 3–5 KiB documents (generated CVs and vacancies of that size);
 *  - time to refuse a billion-laughs document and an external-entity document;
 *  - generator throughput.
 */
import { performance } from 'node:perf_hooks';
import { generateTraffic } from '../../lib/gen/traffic';
import { harden } from '../../lib/xml/harden';
import { validateDocument } from '../../lib/xml/validate';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function typicalDocuments(n: number): Buffer[] {
  const docs: Buffer[] = [];
  for (const record of generateTraffic({ seed: 11, candidature: 40 * n, vacancies: 20 * n, inps: 0, co: 0 })) {
    if (!('xml' in record)) continue;
    const bytes = Buffer.from(record.xml, 'utf8');
    if (bytes.length >= 3 * 1024 && bytes.length <= 5 * 1024) docs.push(bytes);
    if (docs.length === n) break;
  }
  return docs;
}

function benchValidator(): void {
  const docs = typicalDocuments(2_000);
  const size = docs.reduce((s, d) => s + d.length, 0) / docs.length;
  for (const d of docs.slice(0, 200)) validateDocument(d); // warm-up
  const rounds: number[] = [];
  let invalid = 0;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (const d of docs) if (!validateDocument(d).valid) invalid++;
    rounds.push(docs.length / ((performance.now() - t0) / 1000));
  }
  console.log(
    `validator: ${docs.length} documents of ${(size / 1024).toFixed(1)} KiB on average: median ${Math.round(median(rounds))} documents/s over 5 rounds (min ${Math.round(Math.min(...rounds))}, max ${Math.round(Math.max(...rounds))}); ${invalid / 5} invalid per round`,
  );
}

function benchRefusals(): void {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]><Candidatura>&lol9;</Candidatura>`;
  const xxe = `<?xml version="1.0"?><!DOCTYPE Candidatura [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Candidatura>&xxe;</Candidatura>`;
  for (const [name, text] of [
    ['billion laughs', laughs],
    ['external entity', xxe],
  ] as const) {
    const bytes = Buffer.from(text);
    const times: number[] = [];
    let code = '';
    for (let i = 0; i < 1_000; i++) {
      const t0 = performance.now();
      const verdict = validateDocument(bytes);
      times.push(performance.now() - t0);
      code = verdict.issues[0]?.code ?? '';
    }
    const heap = process.memoryUsage().heapUsed / 1024 / 1024;
    console.log(
      `${name}: refused with ${code}; median ${(median(times) * 1000).toFixed(1)} µs, worst ${Math.max(...times).toFixed(2)} ms over 1000 tries (heap ${heap.toFixed(0)} MiB)`,
    );
    if (harden(bytes).ok) throw new Error(`${name} was not refused`);
  }
}

function benchGenerator(): void {
  const n = 50_000;
  const t0 = performance.now();
  let count = 0;
  const traffic = generateTraffic({
    seed: 3,
    candidature: n * 0.55,
    vacancies: n * 0.25,
    inps: n * 0.07,
    co: n * 0.13,
  });
  for (let r = traffic.next(); r.done !== true; r = traffic.next()) count++;
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `generator: ${count} records in ${seconds.toFixed(1)} s: ${Math.round(count / seconds)} records/s (a million in ~${Math.round(1_000_000 / (count / seconds))} s)`,
  );
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
benchRefusals();
benchValidator();
benchGenerator();
