/** Stops what the global setup started (nothing, when the tests used a running stack). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.ncnTeardown?.();
}
