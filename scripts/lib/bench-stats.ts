/**
 * The arithmetic and tables of `npm run bench`: pure functions, unit-tested.
 */

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `value / floor`; undefined when the floor is not positive. */
export function ratio(value: number, floor: number): number | undefined {
  return floor > 0 ? value / floor : undefined;
}

/** Least-squares line through the points: seconds = fixed + perItem × n. */
export function linearFit(points: readonly { readonly n: number; readonly seconds: number }[]): {
  readonly perItem: number;
  readonly fixed: number;
} {
  if (points.length < 2) throw new Error('a line needs at least two points');
  const meanN = points.reduce((s, p) => s + p.n, 0) / points.length;
  const meanS = points.reduce((s, p) => s + p.seconds, 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p.n - meanN) ** 2, 0);
  if (sxx === 0) throw new Error('a line needs at least two different counts');
  const sxy = points.reduce((s, p) => s + (p.n - meanN) * (p.seconds - meanS), 0);
  const perItem = sxy / sxx;
  return { perItem, fixed: meanS - perItem * meanN };
}

export function formatSeconds(seconds: number): string {
  return seconds >= 100 ? `${seconds.toFixed(0)} s` : `${seconds.toFixed(1)} s`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'n/a';
  const mib = bytes / 2 ** 20;
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(0)} MiB`;
}

export function formatRatio(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${value.toFixed(1)}×`;
}
