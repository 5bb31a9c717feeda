// Results: the types written to latest.json, the console and markdown tables,
// the ratios, and a hand-written SVG bar chart.

import { TARGETS, TARGET_LABELS, type TargetId } from './targets.js';
import { TESTS, type Measurement, type TestId } from './redis-benchmark.js';
import {
  DURABILITY_MODES,
  DURABILITY_PIPELINES,
  DURABILITY_SYSTEMS,
  DURABILITY_TESTS,
  MODE_LABELS,
  SYSTEM_LABELS,
  type DurabilityFigures,
  type DurabilityMode,
  type DurabilityRatio,
  type DurabilityRow,
  type DurabilitySystem,
  type DurabilityTest,
} from './durability.js';

export interface Row extends Measurement {
  target: TargetId;
  test: TestId;
  pipeline: number;
  requests: number;
  clients: number;
  keyspace: number;
}

export interface Ratio {
  test: TestId;
  pipeline: number;
  /** Throughput ratios (requests/s); null when a side is missing. */
  localOverRedis: number | null;
  oneHopOverNutcracker: number | null;
  twoHopOverOneHop: number | null;
}

export interface MemoryFigures {
  strings: number;
  hashes: number;
  fieldsPerHash: number;
  loadSeconds: { kv: number; redis: number };
  kv: { rssEmpty: number; rssStrings: number; rssAll: number; heapUsedAll: number; rssBeforeSettle: number; gcForced: boolean };
  redis: { rssEmpty: number; rssStrings: number; rssAll: number; usedMemoryEmpty: number; usedMemoryStrings: number; usedMemoryAll: number };
}

export interface ScaleRow {
  target: 'redis' | 'local';
  kind: 'keys' | 'clients';
  keys: number;
  clients: number;
  pipeline: number;
  test: 'get' | 'set';
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: string[];
}

export interface Results {
  commit: string;
  /** Files under server/ that differed from the commit when the bench ran. */
  uncommittedServerChanges: string[];
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: { cpus: number; model: string; loadavgBefore: number[]; node: string; redis: string; nutcracker: string; ulimitSoft: string; ulimitHard: string };
  params: { clients: number; keyspace: number; requests: Record<string, number> };
  rows: Row[];
  ratios: Ratio[];
  memory: MemoryFigures | null;
  scale: ScaleRow[];
  /** What the append-only file costs (null when the section did not run). */
  durability: DurabilityFigures | null;
  checks: string[];
}

export function find(rows: readonly Row[], target: TargetId, test: TestId, pipeline: number): Row | undefined {
  return rows.find((r) => r.target === target && r.test === test && r.pipeline === pipeline);
}

export function ratios(rows: readonly Row[], pipelines: readonly number[]): Ratio[] {
  const out: Ratio[] = [];
  const ratio = (a: Row | undefined, b: Row | undefined): number | null => (a && b && b.rps > 0 ? a.rps / b.rps : null);
  for (const p of pipelines) {
    for (const t of TESTS) {
      out.push({
        test: t,
        pipeline: p,
        localOverRedis: ratio(find(rows, 'local', t, p), find(rows, 'redis', t, p)),
        oneHopOverNutcracker: ratio(find(rows, 'one-hop', t, p), find(rows, 'nutcracker', t, p)),
        twoHopOverOneHop: ratio(find(rows, 'two-hop', t, p), find(rows, 'one-hop', t, p)),
      });
    }
  }
  return out;
}

/** Geometric mean of the non-null values. */
export function geomean(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && x > 0);
  if (v.length === 0) return null;
  return Math.exp(v.reduce((s, x) => s + Math.log(x), 0) / v.length);
}

export function fmtRps(rps: number): string {
  if (rps >= 1_000_000) return `${(rps / 1_000_000).toFixed(2).replace(/\.?0+$/, '')}M`;
  if (rps >= 100_000) return `${Math.round(rps / 1000)}k`;
  if (rps >= 1000) return `${(rps / 1000).toFixed(1)}k`;
  return String(Math.round(rps));
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function fmtRatio(r: number | null): string {
  return r === null ? '–' : r.toFixed(2);
}

export function fmtMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const TEST_LABEL: Record<TestId, string> = { set: 'SET', get: 'GET', hset: 'HSET', incr: 'INCR', mset: 'MSET (10 keys)' };

function cell(r: Row | undefined): string {
  return r ? `${fmtRps(r.rps)} (${fmtMs(r.p50Ms)} / ${fmtMs(r.p99Ms)})` : '–';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** Plain-text tables for the terminal. */
export function consoleReport(res: Results): string {
  const out: string[] = [];
  out.push(`kv benchmark — commit ${res.commit}${res.uncommittedServerChanges.length ? ' (+uncommitted server changes)' : ''}, ${res.date}${res.quick ? ', QUICK' : ''}`);
  if (res.rows.length) out.push(...consoleMatrix(res), '');
  if (res.durability) out.push(...durabilityConsole(res.durability), '');
  if (res.memory) {
    out.push('memory', ...memoryLines(res.memory).map((l) => '  ' + l), '');
  }
  if (res.scale.length) {
    out.push('scale (requests/s, p50 / p99 ms)');
    for (const s of res.scale) {
      out.push(
        `  ${pad(s.target, 7)} ${pad(s.test.toUpperCase(), 4)} keys ${pad(String(s.keys), 8)} -c ${pad(String(s.clients), 5)} -P ${pad(String(s.pipeline), 3)} ${pad(fmtRps(s.rps), 7)} (${fmtMs(s.p50Ms)} / ${fmtMs(s.p99Ms)})${s.errors.length ? '  ERRORS: ' + s.errors[0] : ''}`,
      );
    }
    out.push('');
  }
  if (res.checks.length) out.push('checks', ...res.checks.map((c) => '  ' + c));
  return out.join('\n').trimEnd();
}

function consoleMatrix(res: Results): string[] {
  const pipelines = [...new Set(res.rows.map((r) => r.pipeline))];
  const targets = TARGETS.filter((t) => res.rows.some((r) => r.target === t));
  const out: string[] = [];
  out.push(`requests/s (p50 / p99 ms), redis-benchmark -c ${res.params.clients} -r ${res.params.keyspace}`);
  const w = 24;
  out.push(pad('test', 16) + pad('-P', 4) + targets.map((t) => pad(TARGET_LABELS[t], w)).join(''));
  for (const p of pipelines) {
    for (const t of TESTS) {
      if (!res.rows.some((r) => r.test === t && r.pipeline === p)) continue;
      out.push(pad(TEST_LABEL[t], 16) + pad(String(p), 4) + targets.map((tg) => pad(cell(find(res.rows, tg, t, p)), w)).join(''));
    }
  }
  out.push('');
  out.push('throughput ratios');
  out.push(pad('test', 16) + pad('-P', 4) + pad('local/redis', 14) + pad('one-hop/nutcracker', 20) + pad('two-hop/one-hop', 16));
  for (const r of res.ratios) {
    out.push(pad(TEST_LABEL[r.test], 16) + pad(String(r.pipeline), 4) + pad(fmtRatio(r.localOverRedis), 14) + pad(fmtRatio(r.oneHopOverNutcracker), 20) + pad(fmtRatio(r.twoHopOverOneHop), 16));
  }
  out.push(
    pad('geomean', 20) +
      pad(fmtRatio(geomean(res.ratios.map((r) => r.localOverRedis))), 14) +
      pad(fmtRatio(geomean(res.ratios.map((r) => r.oneHopOverNutcracker))), 20) +
      pad(fmtRatio(geomean(res.ratios.map((r) => r.twoHopOverOneHop))), 16),
  );
  return out;
}

function memoryLines(m: MemoryFigures): string[] {
  const perString = (rssStrings: number, rssEmpty: number): string => `${((rssStrings - rssEmpty) / m.strings).toFixed(0)} B/key`;
  const perHash = (all: number, strings: number): string => `${((all - strings) / m.hashes).toFixed(0)} B/hash`;
  return [
    `data: ${m.strings} strings + ${m.hashes} hashes × ${m.fieldsPerHash} fields (loaded in ${m.loadSeconds.kv.toFixed(1)} s kv, ${m.loadSeconds.redis.toFixed(1)} s redis)`,
    `kv RSS:             empty ${fmtMiB(m.kv.rssEmpty)}, strings ${fmtMiB(m.kv.rssStrings)}, all ${fmtMiB(m.kv.rssAll)} (heapUsed ${fmtMiB(m.kv.heapUsedAll)}; ${perString(m.kv.rssStrings, m.kv.rssEmpty)}, ${perHash(m.kv.rssAll, m.kv.rssStrings)})`,
    `redis RSS:          empty ${fmtMiB(m.redis.rssEmpty)}, strings ${fmtMiB(m.redis.rssStrings)}, all ${fmtMiB(m.redis.rssAll)} (${perString(m.redis.rssStrings, m.redis.rssEmpty)}, ${perHash(m.redis.rssAll, m.redis.rssStrings)})`,
    `redis used_memory:  empty ${fmtMiB(m.redis.usedMemoryEmpty)}, strings ${fmtMiB(m.redis.usedMemoryStrings)}, all ${fmtMiB(m.redis.usedMemoryAll)}`,
    `kv RSS / redis RSS (all data): ${(m.kv.rssAll / m.redis.rssAll).toFixed(2)}; kv RSS / redis used_memory: ${(m.kv.rssAll / m.redis.usedMemoryAll).toFixed(2)}`,
  ];
}

function markdownMatrix(res: Results): string[] {
  const pipelines = [...new Set(res.rows.map((r) => r.pipeline))];
  const targets = TARGETS.filter((t) => res.rows.some((r) => r.target === t));
  const out: string[] = [];
  out.push(`Requests/s (p50 / p99 latency in ms); redis-benchmark \`-c ${res.params.clients} -r ${res.params.keyspace}\`, -n ${Object.entries(res.params.requests).map(([p, n]) => `${n} at -P ${p}`).join(', ')}.`);
  out.push('');
  out.push(`| test | -P | ${targets.map((t) => TARGET_LABELS[t]).join(' | ')} |`);
  out.push(`|---|--:|${targets.map(() => '--:').join('|')}|`);
  for (const p of pipelines) {
    for (const t of TESTS) {
      if (!res.rows.some((r) => r.test === t && r.pipeline === p)) continue;
      out.push(`| ${TEST_LABEL[t]} | ${p} | ${targets.map((tg) => cell(find(res.rows, tg, t, p))).join(' | ')} |`);
    }
  }
  out.push('');
  out.push('Throughput ratios:');
  out.push('');
  out.push('| test | -P | local / redis | one hop / nutcracker | two hops / one hop |');
  out.push('|---|--:|--:|--:|--:|');
  for (const r of res.ratios) {
    out.push(`| ${TEST_LABEL[r.test]} | ${r.pipeline} | ${fmtRatio(r.localOverRedis)} | ${fmtRatio(r.oneHopOverNutcracker)} | ${fmtRatio(r.twoHopOverOneHop)} |`);
  }
  out.push(
    `| geometric mean | | ${fmtRatio(geomean(res.ratios.map((r) => r.localOverRedis)))} | ${fmtRatio(geomean(res.ratios.map((r) => r.oneHopOverNutcracker)))} | ${fmtRatio(geomean(res.ratios.map((r) => r.twoHopOverOneHop)))} |`,
  );
  return out;
}

/** The markdown written to latest.md (and pasted into the README). */
export function markdownReport(res: Results): string {
  const out: string[] = [];
  out.push(
    `Commit \`${res.commit}\`${res.uncommittedServerChanges.length ? ' (with uncommitted server changes)' : ''}, ${res.date}${res.quick ? ' (quick run)' : ''}; ` +
      `${res.machine.cpus} × ${res.machine.model}, Node ${res.machine.node}, redis ${res.machine.redis}, nutcracker ${res.machine.nutcracker}.`,
  );
  if (res.rows.length) out.push('', ...markdownMatrix(res));
  if (res.durability) out.push('', ...durabilityMarkdown(res.durability));
  if (res.memory) {
    const m = res.memory;
    out.push('');
    out.push(`Memory after loading ${m.strings.toLocaleString('en')} strings and ${m.hashes.toLocaleString('en')} hashes of ${m.fieldsPerHash} fields (kv: VmRSS after a forced GC; redis: INFO memory):`);
    out.push('');
    out.push('| | empty | + strings | + hashes | per string | per hash |');
    out.push('|---|--:|--:|--:|--:|--:|');
    const row = (label: string, e: number, s: number, a: number): string =>
      `| ${label} | ${fmtMiB(e)} | ${fmtMiB(s)} | ${fmtMiB(a)} | ${((s - e) / m.strings).toFixed(0)} B | ${((a - s) / m.hashes).toFixed(0)} B |`;
    out.push(row('kv RSS', m.kv.rssEmpty, m.kv.rssStrings, m.kv.rssAll));
    out.push(row('redis RSS', m.redis.rssEmpty, m.redis.rssStrings, m.redis.rssAll));
    out.push(row('redis used_memory', m.redis.usedMemoryEmpty, m.redis.usedMemoryStrings, m.redis.usedMemoryAll));
    out.push('');
    out.push(`kv RSS is ${(m.kv.rssAll / m.redis.rssAll).toFixed(2)}× redis's RSS with all the data (V8 heapUsed ${fmtMiB(m.kv.heapUsedAll)}).`);
  }
  if (res.scale.length) {
    out.push('');
    out.push('Scale (requests/s, p50 / p99 ms):');
    out.push('');
    out.push('| kind | keys | -c | -P | test | kv local | redis-server | kv / redis |');
    out.push('|---|--:|--:|--:|---|--:|--:|--:|');
    const keyOf = (s: ScaleRow): string => `${s.kind}|${s.keys}|${s.clients}|${s.pipeline}|${s.test}`;
    const seen = new Set<string>();
    for (const s of res.scale) {
      const k = keyOf(s);
      if (seen.has(k)) continue;
      seen.add(k);
      const kv = res.scale.find((x) => keyOf(x) === k && x.target === 'local');
      const rd = res.scale.find((x) => keyOf(x) === k && x.target === 'redis');
      const c = (x: ScaleRow | undefined): string => (x ? `${fmtRps(x.rps)} (${fmtMs(x.p50Ms)} / ${fmtMs(x.p99Ms)})${x.errors.length ? ' ⚠' : ''}` : '–');
      out.push(`| ${s.kind} | ${s.keys.toLocaleString('en')} | ${s.clients} | ${s.pipeline} | ${s.test.toUpperCase()} | ${c(kv)} | ${c(rd)} | ${kv && rd ? fmtRatio(kv.rps / rd.rps) : '–'} |`);
    }
  }
  if (res.checks.length) {
    out.push('');
    out.push('Checks:');
    out.push('');
    for (const c of res.checks) out.push(`- ${c}`);
  }
  return out.join('\n') + '\n';
}

const COLORS: Record<TargetId, string> = {
  redis: '#d62728',
  nutcracker: '#ff9896',
  local: '#1f77b4',
  'one-hop': '#6baed6',
  'two-hop': '#c6dbef',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const exp = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

/** Grouped bars, one panel per pipeline depth: tests along x, one bar per target. */
export function svgChart(res: Results): string {
  const pipelines = [...new Set(res.rows.map((r) => r.pipeline))];
  const targets = TARGETS.filter((t) => res.rows.some((r) => r.target === t));
  const width = 900;
  const panelH = 260;
  const top = 76;
  const left = 64;
  const right = 16;
  const gapY = 56;
  const height = top + pipelines.length * (panelH + gapY) + 10;
  const plotW = width - left - right;
  const el: string[] = [];
  el.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  el.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  el.push(
    `<text x="${left}" y="20" font-size="15" font-weight="bold">${esc(`kv vs redis-server and nutcracker: requests/s (redis-benchmark -c ${res.params.clients})`)}</text>`,
  );
  el.push(`<text x="${left}" y="38" fill="#555">${esc(`commit ${res.commit}${res.uncommittedServerChanges.length ? '+' : ''}, ${res.date.slice(0, 10)}${res.quick ? ', quick run' : ''}; ${res.machine.cpus} cores`)}</text>`);
  // legend
  let lx = left;
  for (const t of targets) {
    el.push(`<rect x="${lx}" y="50" width="12" height="12" fill="${COLORS[t]}" stroke="#333" stroke-width="0.5"/>`);
    el.push(`<text x="${lx + 16}" y="60">${esc(TARGET_LABELS[t])}</text>`);
    lx += 150;
  }
  pipelines.forEach((p, pi) => {
    const y0 = top + pi * (panelH + gapY) + 20;
    const rows = res.rows.filter((r) => r.pipeline === p);
    const max = niceMax(Math.max(...rows.map((r) => r.rps)));
    const y = (v: number): number => y0 + panelH - (v / max) * panelH;
    el.push(`<text x="${left}" y="${y0 - 8}" font-weight="bold">${esc(`-P ${p}`)}</text>`);
    for (let i = 0; i <= 5; i++) {
      const v = (max * i) / 5;
      const yy = y(v).toFixed(1);
      el.push(`<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
      el.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${esc(fmtRps(v))}</text>`);
    }
    const tests = TESTS.filter((t) => rows.some((r) => r.test === t));
    const groupW = plotW / tests.length;
    const barW = (groupW * 0.8) / targets.length;
    tests.forEach((t, ti) => {
      const gx = left + ti * groupW + groupW * 0.1;
      targets.forEach((tg, k) => {
        const r = find(res.rows, tg, t, p);
        if (!r) return;
        const x = gx + k * barW;
        const yy = y(r.rps);
        el.push(
          `<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(y0 + panelH - yy).toFixed(1)}" fill="${COLORS[tg]}" stroke="#333" stroke-width="0.5"><title>${esc(`${TARGET_LABELS[tg]} ${TEST_LABEL[t]} -P ${p}: ${Math.round(r.rps)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`)}</title></rect>`,
        );
        el.push(`<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${esc(fmtRps(r.rps))}</text>`);
      });
      el.push(`<text x="${(left + ti * groupW + groupW / 2).toFixed(1)}" y="${y0 + panelH + 16}" text-anchor="middle">${esc(TEST_LABEL[t])}</text>`);
    });
    el.push(`<line x1="${left}" x2="${width - right}" y1="${y0 + panelH}" y2="${y0 + panelH}" stroke="#333"/>`);
  });
  el.push('</svg>');
  return el.join('\n') + '\n';
}

// ---- durability ---------------------------------------------------------

const DUR_TEST_LABEL: Record<DurabilityTest, string> = { set: 'SET', incr: 'INCR' };

function durRow(d: DurabilityFigures, s: DurabilitySystem, m: DurabilityMode, t: DurabilityTest, p: number): DurabilityRow | undefined {
  return d.rows.find((r) => r.system === s && r.mode === m && r.test === t && r.pipeline === p);
}

function durCell(r: DurabilityRow | undefined): string {
  return r ? `${fmtRps(r.rps)} (${fmtMs(r.p50Ms)} / ${fmtMs(r.p99Ms)})` : '–';
}

/** The columns of the durability table: every system × mode that has a row. */
function durColumns(d: DurabilityFigures): { s: DurabilitySystem; m: DurabilityMode; label: string }[] {
  const cols: { s: DurabilitySystem; m: DurabilityMode; label: string }[] = [];
  for (const s of DURABILITY_SYSTEMS) {
    for (const m of DURABILITY_MODES) {
      if (d.rows.some((r) => r.system === s && r.mode === m)) cols.push({ s, m, label: `${SYSTEM_LABELS[s]}, ${MODE_LABELS[m]}` });
    }
  }
  return cols;
}

function durGroups(d: DurabilityFigures): { t: DurabilityTest; p: number }[] {
  const out: { t: DurabilityTest; p: number }[] = [];
  for (const p of DURABILITY_PIPELINES) for (const t of DURABILITY_TESTS) if (d.rows.some((r) => r.test === t && r.pipeline === p)) out.push({ t, p });
  return out;
}

function durRatio(d: DurabilityFigures, s: DurabilitySystem, t: DurabilityTest, p: number): DurabilityRatio | undefined {
  return d.ratios.find((r) => r.system === s && r.test === t && r.pipeline === p);
}

/** Where kv stands against the issue's target (everysec ≥ 0.85 × no persistence), beside redis-server. */
export function durabilityVerdict(d: DurabilityFigures): string[] {
  const out: string[] = [];
  for (const s of DURABILITY_SYSTEMS) {
    const ev = d.ratios.filter((r) => r.system === s).map((r) => r.everysecOverNone);
    const al = d.ratios.filter((r) => r.system === s).map((r) => r.alwaysOverNone);
    const evs = ev.filter((x): x is number => x !== null);
    if (evs.length === 0) continue;
    const min = Math.min(...evs);
    const verdict = min >= d.everysecTarget ? 'met' : evs.every((x) => x < d.everysecTarget) ? 'missed' : 'partly met';
    out.push(
      `${SYSTEM_LABELS[s]}: everysec keeps ${fmtRatio(min)}–${fmtRatio(Math.max(...evs))} of the throughput without persistence (geometric mean ${fmtRatio(geomean(ev))}; target ≥ ${d.everysecTarget}: ${verdict}); always keeps ${fmtRatio(geomean(al))} (geometric mean)`,
    );
  }
  return out;
}

function durabilityConsole(d: DurabilityFigures): string[] {
  const cols = durColumns(d);
  const out: string[] = [];
  out.push(`durability: requests/s (p50 / p99 ms), redis-benchmark -c ${d.clients} -r ${d.keyspace}, ${d.rounds > 1 ? `median of ${d.rounds} runs` : 'one run'} of about ${d.secondsPerRun} s; load average ${d.loadavg.before} → ${d.loadavg.after}`);
  const w = 22;
  out.push(pad('test', 8) + pad('-P', 4) + cols.map((c) => pad(`${c.s} ${c.m}`, w)).join(''));
  for (const { t, p } of durGroups(d)) out.push(pad(DUR_TEST_LABEL[t], 8) + pad(String(p), 4) + cols.map((c) => pad(durCell(durRow(d, c.s, c.m, t, p)), w)).join(''));
  out.push('');
  out.push('durability ratios (throughput / the same system without persistence)');
  out.push(pad('test', 8) + pad('-P', 4) + pad('kv everysec', 14) + pad('kv always', 12) + pad('redis everysec', 16) + pad('redis always', 14));
  for (const { t, p } of durGroups(d)) {
    const kv = durRatio(d, 'kv', t, p);
    const rd = durRatio(d, 'redis', t, p);
    out.push(
      pad(DUR_TEST_LABEL[t], 8) + pad(String(p), 4) +
        pad(fmtRatio(kv?.everysecOverNone ?? null), 14) + pad(fmtRatio(kv?.alwaysOverNone ?? null), 12) +
        pad(fmtRatio(rd?.everysecOverNone ?? null), 16) + pad(fmtRatio(rd?.alwaysOverNone ?? null), 14),
    );
  }
  const gm = (s: DurabilitySystem, k: 'everysecOverNone' | 'alwaysOverNone'): string => fmtRatio(geomean(d.ratios.filter((r) => r.system === s).map((r) => r[k])));
  out.push(pad('geomean', 12) + pad(gm('kv', 'everysecOverNone'), 14) + pad(gm('kv', 'alwaysOverNone'), 12) + pad(gm('redis', 'everysecOverNone'), 16) + pad(gm('redis', 'alwaysOverNone'), 14));
  out.push(...durabilityVerdict(d));
  return out;
}

function durabilityMarkdown(d: DurabilityFigures): string[] {
  const cols = durColumns(d);
  const out: string[] = [];
  out.push(
    `Durability: requests/s (p50 / p99 latency in ms), redis-benchmark \`-c ${d.clients} -r ${d.keyspace}\`, ${d.rounds > 1 ? `the median of ${d.rounds} runs` : 'one run'} of about ${d.secondsPerRun} s ` +
      `(-n sized by a probe run, between ${Object.entries(d.requestBounds).map(([p, [lo, hi]]) => `${lo} and ${hi} at -P ${p}`).join(', ')}); ` +
      `all six targets running at once, measured in turn (the order rotated); redis-server with \`--aof-use-rdb-preamble no\`, no snapshots; each target's files in a temporary directory on the same disk. ` +
      `Load average ${d.loadavg.before} before, ${d.loadavg.after} after.`,
  );
  out.push('');
  out.push(`| test | -P | ${cols.map((c) => c.label).join(' | ')} |`);
  out.push(`|---|--:|${cols.map(() => '--:').join('|')}|`);
  for (const { t, p } of durGroups(d)) out.push(`| ${DUR_TEST_LABEL[t]} | ${p} | ${cols.map((c) => durCell(durRow(d, c.s, c.m, t, p))).join(' | ')} |`);
  out.push('');
  out.push('Throughput against the same system without persistence:');
  out.push('');
  out.push('| test | -P | kv everysec / none | kv always / none | redis everysec / none | redis always / none |');
  out.push('|---|--:|--:|--:|--:|--:|');
  for (const { t, p } of durGroups(d)) {
    const kv = durRatio(d, 'kv', t, p);
    const rd = durRatio(d, 'redis', t, p);
    out.push(`| ${DUR_TEST_LABEL[t]} | ${p} | ${fmtRatio(kv?.everysecOverNone ?? null)} | ${fmtRatio(kv?.alwaysOverNone ?? null)} | ${fmtRatio(rd?.everysecOverNone ?? null)} | ${fmtRatio(rd?.alwaysOverNone ?? null)} |`);
  }
  const gm = (s: DurabilitySystem, k: 'everysecOverNone' | 'alwaysOverNone'): string => fmtRatio(geomean(d.ratios.filter((r) => r.system === s).map((r) => r[k])));
  out.push(`| geometric mean | | ${gm('kv', 'everysecOverNone')} | ${gm('kv', 'alwaysOverNone')} | ${gm('redis', 'everysecOverNone')} | ${gm('redis', 'alwaysOverNone')} |`);
  out.push('');
  for (const v of durabilityVerdict(d)) out.push(`- ${v}`);
  const sizes = d.targets.filter((t) => t.mode !== 'none');
  if (sizes.length) {
    out.push(
      `- AOF after the runs: ${sizes.map((t) => `${t.system} ${t.mode} ${fmtMiB(t.dirBytes)}${t.aofRewriteHappened ? ' (rewritten)' : ''}`).join(', ')}`,
    );
  }
  return out;
}
