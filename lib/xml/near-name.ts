/** The allowed name a misspelled one was probably meant to be: the same but for case, or at most two edits away. */
export function nearestName(name: string, allowed: readonly string[]): string | undefined {
  return allowed.find((a) => a.toLowerCase() === name.toLowerCase()) ?? allowed.find((a) => distance(a, name) <= 2);
}

/** Levenshtein distance, for suggesting the name a typo was meant to be. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
