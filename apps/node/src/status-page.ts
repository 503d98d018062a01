/**
 * The status page (`GET /`): the node's state for people, one small HTML page with no scripts
 * that refreshes itself every few seconds.
 */
import type { MembersView } from './http/context.js';
import type { NodeStatusView } from './status.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** renderStatusPage writes the page for `status` and `members`. */
export function renderStatusPage(status: NodeStatusView, members: MembersView): string {
  const ids = [...new Set([...members.voters, ...members.outgoing, ...members.learners])].sort();
  const rows = ids
    .map((id) => {
      const role = members.voters.includes(id) || members.outgoing.includes(id) ? 'voter' : 'learner';
      const http = members.httpAddresses[id];
      const link = http === undefined ? '' : `<a href="http://${escape(http)}/">${escape(http)}</a>`;
      const marks = [id === status.leader ? 'leader' : '', id === status.id ? 'this node' : '', status.unresponsive.includes(id) ? 'unresponsive' : ''].filter((mark) => mark !== '');
      return `<tr><td>${escape(id)}</td><td>${role}</td><td>${escape(members.peerAddresses[id] ?? '')}</td><td>${link}</td><td>${escape(marks.join(', '))}</td></tr>`;
    })
    .join('\n');
  const facts: [string, string][] = [
    ['role', status.role],
    ['term', String(status.term)],
    ['leader', status.leader ?? '(none known)'],
    ['commit index', String(status.commitIndex)],
    ['applied index', String(status.appliedIndex)],
    ['last log index', String(status.lastLogIndex)],
    ['snapshot index', String(status.snapshotIndex)],
    ['cluster id', status.clusterId],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="2">
<title>raftkit ${escape(status.id)} (${escape(status.role)})</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}</style>
</head>
<body>
<h1>raftkit node ${escape(status.id)}</h1>
<table>${facts.map(([name, value]) => `<tr><th>${name}</th><td>${escape(value)}</td></tr>`).join('')}</table>
<h2>Members</h2>
<table><tr><th>id</th><th>kind</th><th>peer address</th><th>HTTP</th><th></th></tr>
${rows}
</table>
<p><a href="/v1/status">/v1/status</a> · <a href="/v1/members">/v1/members</a> · <a href="/metrics">/metrics</a></p>
</body>
</html>
`;
}
