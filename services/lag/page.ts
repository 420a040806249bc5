/**
 * The operators' page, served by the lag monitor at `/`: every group with its status at a glance, the
 * partitions of each (lag, offsets, who holds them, why the status), and a chart of each group's total lag over
 * the last minutes, and the brokers (leaderships, controller role, partitions short of replicas or of a leader). A
 * group with a partition that has no leader is marked: it cannot move until one is elected. Plain HTML, CSS and
 * script, no outside resource: it refreshes itself from the JSON API.
 */
export const lagPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ncn · consumer lag</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f5f6f8; }
  header { background: #17324d; color: #fff; padding: 12px 20px; display: flex; justify-content: space-between; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px #0002; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e6ea; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .status { font-weight: 600; padding: 1px 8px; border-radius: 10px; color: #fff; }
  .OK { background: #2e7d32; } .WARN, .REWIND { background: #ef8f00; }
  .ERR, .STOP, .STALL, .NOLEADER { background: #c62828; } .NOTFOUND { background: #757575; }
  tr.group { cursor: pointer; } tr.detail td { background: #fafbfc; font-size: 13px; }
  #chart { width: 100%; height: 260px; }
  .legend span { margin-right: 14px; white-space: nowrap; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
  small { color: #5b6575; }
</style>
</head>
<body>
<header><strong>ncn · consumer lag</strong><span id="updated">loading…</span></header>
<main>
  <section>
    <table id="groups">
      <thead><tr><th>group</th><th>status</th><th class="num">total lag</th><th class="num">partitions</th><th class="num">members</th><th>worst partition</th></tr></thead>
      <tbody></tbody>
    </table>
    <small>Burrow's rules over a window of samples: OK; WARN the lag grows while offsets advance; STALL a member holds a partition whose offset does not move while there is lag; STOP nobody consumes a partition with lag; REWIND the offset went back. Click a group for its partitions.</small>
  </section>
  <section>
    <div><strong>Brokers</strong> <span id="replication"></span></div>
    <table id="brokers">
      <thead><tr><th>broker</th><th>controller</th><th class="num">leads</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <div><strong>Total lag per group, last minutes</strong></div>
    <svg id="chart" role="img" aria-label="lag chart"></svg>
    <div class="legend" id="legend"></div>
  </section>
</main>
<script>
const open = new Set();
const colors = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f', '#5d4037', '#ad1457', '#283593', '#9e9d24'];
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
async function get(path) { const r = await fetch(path, { cache: 'no-store' }); if (!r.ok) throw new Error(path + ': ' + r.status); return r.json(); }
async function refresh() {
  try {
    const list = (await get('/v3/kafka/local/consumer')).consumers;
    const groups = await Promise.all(list.map((g) => get('/v3/kafka/local/consumer/' + encodeURIComponent(g) + '/lag').then((r) => r.status)));
    const rows = [];
    for (const g of groups) {
      const worst = g.partitions.filter((p) => p.status !== 'OK').map((p) => p.topic + '[' + p.partition + '] ' + p.status)[0] || '';
      const noLeader = g.partitions_without_leader > 0 ? ' <span class="status NOLEADER" title="partitions without a leader">NO LEADER ' + g.partitions_without_leader + '</span>' : '';
      rows.push('<tr class="group" data-group="' + esc(g.group) + '"><td>' + esc(g.group) + '</td><td><span class="status ' + g.status + '">' + g.status + '</span>' + noLeader + '</td><td class="num">' + g.totallag.toLocaleString('en') + '</td><td class="num">' + g.partition_count + '</td><td class="num">' + g.members + '</td><td>' + esc(worst) + '</td></tr>');
      if (open.has(g.group)) {
        rows.push('<tr class="detail"><td colspan="6"><table><thead><tr><th>topic</th><th class="num">partition</th><th>status</th><th class="num">lag</th><th class="num">committed</th><th class="num">end</th><th>held</th><th class="num">leader</th><th>why</th></tr></thead><tbody>' +
          g.partitions.map((p) => '<tr data-partition="' + esc(p.topic) + ':' + p.partition + '"><td>' + esc(p.topic) + '</td><td class="num">' + p.partition + '</td><td><span class="status ' + p.status + '">' + p.status + '</span></td><td class="num">' + p.lag + '</td><td class="num">' + p.committed + '</td><td class="num">' + p.end + '</td><td>' + (p.owned ? 'yes' : 'no') + '</td><td class="num">' + (p.leader < 0 ? '<span class="status NOLEADER">none</span>' : p.leader) + '</td><td>' + esc(p.reason) + '</td></tr>').join('') +
          '</tbody></table></td></tr>');
      }
    }
    document.querySelector('#groups tbody').innerHTML = rows.join('') || '<tr><td colspan="6">no consumer group has committed offsets yet</td></tr>';
    const cluster = await get('/api/cluster');
    if (cluster) {
      document.querySelector('#brokers tbody').innerHTML = cluster.brokers.map((b) => '<tr data-broker="' + b.id + '"><td>' + b.id + '</td><td>' + (b.controller === 'leader' ? 'quorum leader' : b.controller) + '</td><td class="num">' + b.leads + '</td></tr>').join('');
      document.getElementById('replication').textContent = '· under-replicated partitions: ' + cluster.underReplicated + ' · without a leader: ' + cluster.unled;
    }
    drawChart(await get('/api/history'));
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('updated').textContent = 'cannot reach the monitor: ' + e.message;
  }
}
function drawChart(history) {
  const svg = document.getElementById('chart');
  const w = svg.clientWidth || 800, h = svg.clientHeight || 260, pad = 40;
  const series = Object.entries(history);
  const points = series.flatMap(([, s]) => s);
  if (points.length === 0) { svg.innerHTML = ''; return; }
  const t0 = Math.min(...points.map((p) => p[0])), t1 = Math.max(...points.map((p) => p[0]), t0 + 1);
  const max = Math.max(1, ...points.map((p) => p[1]));
  const x = (t) => pad + (t - t0) / (t1 - t0) * (w - pad - 10), y = (v) => h - 20 - v / max * (h - 40);
  let out = '<line x1="' + pad + '" y1="' + y(0) + '" x2="' + (w - 10) + '" y2="' + y(0) + '" stroke="#999"/>' +
    '<text x="4" y="' + (y(max) + 4) + '" font-size="11">' + max.toLocaleString('en') + '</text><text x="4" y="' + y(0) + '" font-size="11">0</text>' +
    '<text x="' + pad + '" y="' + (h - 4) + '" font-size="11">' + new Date(t0).toLocaleTimeString() + '</text>' +
    '<text x="' + (w - 70) + '" y="' + (h - 4) + '" font-size="11">' + new Date(t1).toLocaleTimeString() + '</text>';
  series.forEach(([group, s], i) => {
    out += '<polyline fill="none" stroke-width="2" stroke="' + colors[i % colors.length] + '" data-series="' + esc(group) + '" points="' + s.map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ') + '"/>';
  });
  svg.innerHTML = out;
  document.getElementById('legend').innerHTML = series.map(([group], i) => '<span><i style="background:' + colors[i % colors.length] + '"></i>' + esc(group) + '</span>').join('');
}
document.querySelector('#groups').addEventListener('click', (e) => {
  const row = e.target.closest('tr.group');
  if (!row) return;
  const g = row.dataset.group;
  open.has(g) ? open.delete(g) : open.add(g);
  refresh();
});
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
