/** The gateway's /metrics (Prometheus text) as series, and sums over the series a selector matches. */

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type Metrics = readonly Series[];

/** A metric name and labels every matching series must have (others may be present). */
export interface Selector {
  name: string;
  labels: Readonly<Record<string, string>>;
}

const LINE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m?.[1] || m[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) if (l[1] !== undefined) labels[l[1]] = l[2] ?? '';
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

export async function readMetrics(httpPort: number): Promise<Metrics> {
  const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

function matches(s: Series, sel: Selector): boolean {
  return s.name === sel.name && Object.entries(sel.labels).every(([k, v]) => s.labels[k] === v);
}

/** The sum of every series `sel` matches (0 when none does). */
export function sumOf(metrics: Metrics, sel: Selector): number {
  return metrics.filter((s) => matches(s, sel)).reduce((sum, s) => sum + s.value, 0);
}

/** The series `sel` matches, summed by the value of `label`. */
export function byLabel(metrics: Metrics, sel: Selector, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of metrics.filter((x) => matches(x, sel))) {
    const key = s.labels[label] ?? '';
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}
