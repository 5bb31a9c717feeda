// The top self-time frames of a V8 .cpuprofile (from node --cpu-prof):
//   node dist/bench/cpuprofile-top.js FILE.cpuprofile [N]
// Self time of a frame = the sampling intervals whose sample landed in it.
// Frames are merged by function, script and line; percentages are of the
// non-idle time. A second table sums self time by script.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/proc.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

export interface Summary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  frames: Frame[];
  scripts: { where: string; selfMs: number; percent: number }[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const root = pathToFileURL(ROOT).href;
  if (url.startsWith(root)) return url.slice(root.length);
  return url.replace(/^file:\/\//, '');
}

export function summarize(file: string, top = 15): Summary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of prof.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const frames = new Map<string, { name: string; where: string; us: number }>();
  const scripts = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    total += us;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const where = cf.url ? `${shortUrl(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName}|${where}`;
    const f = frames.get(key) ?? { name: cf.functionName || '(anonymous)', where, us: 0 };
    f.us += us;
    frames.set(key, f);
    const script = cf.url ? shortUrl(cf.url) : cf.functionName;
    scripts.set(script, (scripts.get(script) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): number => (busy > 0 ? (100 * us) / busy : 0);
  return {
    file,
    totalMs: total / 1000,
    idleMs: idle / 1000,
    busyMs: busy / 1000,
    frames: [...frames.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, percent: pct(f.us) })),
    scripts: [...scripts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([where, us]) => ({ where, selfMs: us / 1000, percent: pct(us) })),
  };
}

export function formatSummary(s: Summary): string {
  const out: string[] = [];
  out.push(`${s.file}: ${s.totalMs.toFixed(0)} ms sampled, ${s.busyMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle`);
  out.push('  self ms   % busy  frame');
  for (const f of s.frames) {
    out.push(`  ${f.selfMs.toFixed(0).padStart(7)}  ${f.percent.toFixed(1).padStart(6)}%  ${f.name}${f.where ? '  ' + f.where : ''}`);
  }
  out.push('  by script:');
  for (const sc of s.scripts) out.push(`  ${sc.selfMs.toFixed(0).padStart(7)}  ${sc.percent.toFixed(1).padStart(6)}%  ${sc.where}`);
  return out.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/cpuprofile-top.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  process.stdout.write(formatSummary(summarize(file, Number(process.argv[3] ?? 15))) + '\n');
}
