/** positiveNumber reads the environment variable `name` as a positive number, or `fallback` when unset or empty. */
export function positiveNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${text}`);
  return value;
}
