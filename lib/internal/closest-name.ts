/**
 * The one name of `known` that `name` most likely misspells, or undefined when none is close or two
 * are equally close (a guess between two would mislead). Close means at most one edit per four
 * characters (at least one, at most three), counting case-insensitively by optimal string alignment:
 * insertions, deletions, substitutions and swaps of neighbours (`clientSecert`).
 * @internal
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const maxEdits = Math.min(3, Math.max(1, Math.floor(name.length / 4)));
  let best: string | undefined;
  let bestEdits = Infinity;
  let tie = false;
  for (const candidate of known) {
    const edits = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (edits > maxEdits || edits > bestEdits) continue;
    tie = edits === bestEdits;
    if (edits < bestEdits) [best, bestEdits] = [candidate, edits];
  }
  return tie ? undefined : best;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
