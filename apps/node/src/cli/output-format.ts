/**
 * `-o table`: admin answers as aligned text for people. `-o json` (the default) prints the
 * answer's JSON as the API gave it, for scripts.
 */

/** OutputFormat is how a command prints its answer. */
export type OutputFormat = 'json' | 'table';

/** table aligns `rows` under `header`. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** MembersBody is `GET /v1/members`. */
interface MembersBody {
  readonly leader: string | null;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly outgoing: readonly string[];
  readonly peerAddresses: Readonly<Record<string, string>>;
  readonly httpAddresses: Readonly<Record<string, string>>;
}

/** membersTable lists every member: id, role, leader mark, peer and HTTP addresses. */
export function membersTable(body: MembersBody): string {
  const ids = [...new Set([...body.voters, ...body.outgoing, ...body.learners])].sort();
  const rows = ids.map((id) => [
    id,
    body.voters.includes(id) || body.outgoing.includes(id) ? 'voter' : 'learner',
    id === body.leader ? 'yes' : '',
    body.peerAddresses[id] ?? '',
    body.httpAddresses[id] ?? '(unknown)',
  ]);
  return table(['ID', 'ROLE', 'LEADER', 'PEER ADDRESS', 'HTTP ADDRESS'], rows);
}

/** keyValueTable prints an object's fields one per line (nested values as JSON). */
export function keyValueTable(body: Readonly<Record<string, unknown>>): string {
  return table(
    ['FIELD', 'VALUE'],
    Object.entries(body).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

/** formatAnswer prints an answer in `format`; `members list` gets the members table. */
export function formatAnswer(format: OutputFormat, command: string, body: unknown): string {
  if (format === 'json' || typeof body !== 'object' || body === null || Array.isArray(body)) return `${JSON.stringify(body, null, 2)}\n`;
  if (command === 'members list' && 'voters' in body) return membersTable(body as MembersBody);
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (error !== undefined) return `error ${String(error.code)}: ${String(error.message)}\n`;
  return keyValueTable(body as Record<string, unknown>);
}
