/** Tiny benchmark harness: median of several timed rounds, ops/s, and a table printer. */

export interface Measurement {
  name: string;
  opsPerSec: number;
}

export function measure(
  name: string,
  op: () => void,
  options: { rounds?: number; minMs?: number } = {},
): Measurement {
  const rounds = options.rounds ?? 7;
  const minMs = options.minMs ?? 200;
  for (let i = 0; i < 2000; i++) op(); // warm up the JIT
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < minMs) {
      for (let i = 0; i < 500; i++) op();
      n += 500;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    rates.push((n / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return { name, opsPerSec: rates[Math.floor(rates.length / 2)] ?? 0 };
}

export function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(r.map(String))),
  ].join('\n');
}
