/**
 * The status page (`GET /`): one self-contained HTML page (no external scripts, styles or fonts)
 * that fetches `/v1/cluster` every second and draws the whole cluster: members and roles, the
 * leader and term, each member's commit and applied index, match lag and round-trip time, the
 * snapshot transfers in progress, and charts of writes/s, reads/s and commit latency over the
 * last five minutes. Data is put in the page with `textContent`, never as HTML.
 */

/** renderStatusPage returns the page served by node `nodeId`. */
export function renderStatusPage(nodeId: string): string {
  const id = nodeId.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raftkit node ${id}</title>
<style>
  :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --accent: #2563eb; --bad: #c2410c; --good: #15803d; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; background: #f8fafc; }
  header { background: #0f172a; color: #fff; padding: 14px 24px; display: flex; gap: 28px; align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  header .fact span { color: #94a3b8; margin-right: 6px; }
  main { padding: 18px 24px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 16px; }
  h2 { font-size: 15px; margin: 0 0 10px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .role-leader { color: var(--good); font-weight: 700; }
  .role-unreachable, .problem { color: var(--bad); }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
  .chart h3 { font-size: 13px; margin: 0 0 4px; display: flex; justify-content: space-between; }
  .chart h3 .value { font-variant-numeric: tabular-nums; color: var(--accent); }
  .chart svg { width: 100%; height: 120px; background: #fbfcfe; border: 1px solid var(--line); border-radius: 4px; }
  .chart .axis { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; }
  #error { display: none; background: #fef2f2; color: var(--bad); border: 1px solid #fecaca; padding: 8px 12px; border-radius: 6px; margin-bottom: 16px; }
  footer { color: var(--muted); font-size: 12px; padding: 0 24px 24px; }
  a { color: var(--accent); }
</style>
</head>
<body>
<header>
  <h1>raftkit</h1>
  <div class="fact"><span>cluster</span><b id="cluster-id">…</b></div>
  <div class="fact"><span>leader</span><b id="leader">…</b></div>
  <div class="fact"><span>term</span><b id="term">…</b></div>
  <div class="fact"><span>viewed from</span><b id="from">${id}</b></div>
</header>
<main>
  <div id="error"></div>
  <section>
    <h2>Members</h2>
    <table id="members">
      <thead><tr><th>id</th><th>kind</th><th>role</th><th>term</th><th class="num">commit</th><th class="num">applied</th><th class="num">match lag</th><th class="num">RTT ms</th><th>snapshot</th><th>peer address</th><th>HTTP</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Snapshot transfers</h2>
    <div id="transfers">none</div>
  </section>
  <section>
    <h2>Activity <small id="activity-from" style="color: var(--muted); font-weight: normal"></small></h2>
    <div class="charts">
      <div class="chart" id="chart-writes"><h3>writes/s <span class="value">0</span></h3><svg viewBox="0 0 300 100" preserveAspectRatio="none"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points=""/></svg><div class="axis"><span>5 min ago</span><span class="max"></span><span>now</span></div></div>
      <div class="chart" id="chart-reads"><h3>reads/s <span class="value">0</span></h3><svg viewBox="0 0 300 100" preserveAspectRatio="none"><polyline fill="none" stroke="#7c3aed" stroke-width="1.5" points=""/></svg><div class="axis"><span>5 min ago</span><span class="max"></span><span>now</span></div></div>
      <div class="chart" id="chart-latency"><h3>commit latency ms <span class="value">–</span></h3><svg viewBox="0 0 300 100" preserveAspectRatio="none"><polyline fill="none" stroke="#ea580c" stroke-width="1.5" points=""/></svg><div class="axis"><span>5 min ago</span><span class="max"></span><span>now</span></div></div>
    </div>
  </section>
</main>
<footer>Updated <span id="updated">never</span> · <a href="/v1/cluster">/v1/cluster</a> · <a href="/v1/status">/v1/status</a> · <a href="/metrics">/metrics</a> · <a href="/readyz">/readyz</a></footer>
<script>
"use strict";
const SAMPLES = 300;
const byId = (id) => document.getElementById(id);
function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}
function show(value) { return value === null || value === undefined ? "–" : String(value); }
function drawChart(id, values) {
  const chart = byId(id);
  const known = values.filter((value) => value !== null);
  const max = Math.max(1, ...known);
  const points = [];
  values.forEach((value, position) => {
    if (value === null) return;
    const x = ((SAMPLES - values.length + position) / (SAMPLES - 1)) * 300;
    points.push(x.toFixed(1) + "," + (100 - (value / max) * 95).toFixed(1));
  });
  chart.querySelector("polyline").setAttribute("points", points.join(" "));
  const last = known.length === 0 ? null : known[known.length - 1];
  chart.querySelector(".value").textContent = last === null ? "–" : last >= 100 ? Math.round(last) : last.toFixed(1);
  chart.querySelector(".max").textContent = "max " + (Math.round(max * 10) / 10);
  chart.dataset.samples = String(values.length);
  chart.dataset.max = String(known.length === 0 ? 0 : Math.max(...known));
  chart.dataset.last = show(last);
}
function render(view) {
  byId("error").style.display = "none";
  byId("cluster-id").textContent = view.clusterId;
  byId("leader").textContent = view.leader === null ? "none known" : view.leader;
  byId("term").textContent = String(view.term);
  byId("from").textContent = view.from;
  const body = byId("members").querySelector("tbody");
  body.replaceChildren(...view.members.map((member) => {
    const row = document.createElement("tr");
    const role = member.status === null ? "unreachable" : member.status.role;
    row.dataset.id = member.id;
    row.dataset.role = role;
    row.append(
      cell(member.id + (member.id === view.leader ? " ★" : "")),
      cell(member.kind),
      cell(role, "role-" + role),
      cell(show(member.status && member.status.term)),
      cell(show(member.status && member.status.commitIndex), "num"),
      cell(show(member.status && member.status.appliedIndex), "num"),
      cell(show(member.matchLag), "num"),
      cell(show(member.roundTripMs), "num"),
      cell(member.receivingSnapshot ? "receiving" : ""),
      cell(show(member.peerAddress)),
    );
    const http = document.createElement("td");
    if (member.httpAddress !== null) {
      const link = document.createElement("a");
      link.href = location.protocol + "//" + member.httpAddress + "/";
      link.textContent = member.httpAddress;
      http.append(link);
    }
    if (member.problem !== null) {
      const problem = document.createElement("div");
      problem.className = "problem";
      problem.textContent = member.problem;
      http.append(problem);
    }
    row.append(http);
    return row;
  }));
  const transfers = view.members.filter((member) => member.receivingSnapshot).map((member) => "to " + member.id);
  byId("transfers").textContent = transfers.length === 0 ? "none" : "leader " + view.leader + " is sending a snapshot " + transfers.join(", ");
  byId("activity-from").textContent = "(as seen by " + view.activityFrom + ")";
  drawChart("chart-writes", view.activity.map((sample) => sample.writesPerSecond));
  drawChart("chart-reads", view.activity.map((sample) => sample.readsPerSecond));
  drawChart("chart-latency", view.activity.map((sample) => sample.commitLatencyMs));
  byId("updated").textContent = new Date().toLocaleTimeString();
}
async function refresh() {
  try {
    const response = await fetch("/v1/cluster", { cache: "no-store" });
    if (!response.ok) throw new Error("/v1/cluster answered " + response.status);
    render(await response.json());
  } catch (error) {
    const banner = byId("error");
    banner.textContent = "This node does not answer: " + error.message;
    banner.style.display = "block";
  } finally {
    setTimeout(refresh, 1000);
  }
}
refresh();
</script>
</body>
</html>
`;
}
