/**
 * The baseline: ipptool, one process, submitting the jobs one after another straight to the
 * printer. For each job its test file sends Print-Job (finishings 100, fold-z) and then repeats
 * Get-Job-Attributes every `pollMs` until job-state is 9 (completed), so a job is only sent once the
 * one before is done. ipptool writes its report line by line as it goes; each line is stamped here
 * when it arrives, which gives every job's request and completion times on this process's clock.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Teardown } from '../mqtt-path/teardown.js';
import { stopChild } from '../mqtt-path/processes.js';
import type { JobTimes } from './report.js';

const SUBMIT = 'bench-submit';
const WAIT = 'bench-wait';

/**
 * The test file of one job. ipptool's repeat interval defaults to 5 s; DELAY "0,<s>" sets it
 * (quoted: unquoted, CUPS 2.4 reads the comma as a token of its own and refuses the file).
 */
export function jobTestFile(pollMs: number): string {
  const attrs = [
    'GROUP operation-attributes-tag',
    'ATTR charset attributes-charset utf-8',
    'ATTR language attributes-natural-language en',
    'ATTR uri printer-uri $uri',
    'ATTR name requesting-user-name bench-ipptool',
  ];
  return [
    '{',
    `  NAME "${SUBMIT}"`,
    '  OPERATION Print-Job',
    ...attrs.map((a) => `  ${a}`),
    '  ATTR name job-name $job_name',
    '  ATTR mimeMediaType document-format application/pdf',
    '  GROUP job-attributes-tag',
    '  ATTR enum finishings 100',
    '  FILE $filename',
    '  STATUS successful-ok',
    '  EXPECT job-id OF-TYPE integer',
    '  DISPLAY job-id',
    '}',
    '{',
    `  NAME "${WAIT}"`,
    '  OPERATION Get-Job-Attributes',
    `  DELAY "0,${(pollMs / 1000).toFixed(3)}"`,
    ...attrs.map((a) => `  ${a}`),
    '  ATTR integer job-id $job-id',
    '  ATTR keyword requested-attributes job-id,job-state',
    '  STATUS successful-ok',
    '  EXPECT job-state OF-TYPE enum WITH-VALUE 9 REPEAT-NO-MATCH',
    '  REPEAT-LIMIT 100000',
    '}',
    '',
  ].join('\n');
}

/** Reads ipptool's -t report as it streams: which test runs, its job-id, and PASS / FAIL. */
class ReportReader {
  readonly times: JobTimes[] = [];
  #text = '';
  #at = 0;
  #test: string | undefined;
  readonly #pattern = new RegExp(`${SUBMIT}|${WAIT}|job-id \\(integer\\) = (\\d+)\\n|(PASS|FAIL)\\]`, 'g');

  take(chunk: string, now: number): void {
    this.#text += chunk;
    this.#pattern.lastIndex = this.#at;
    for (let m = this.#pattern.exec(this.#text); m !== null; m = this.#pattern.exec(this.#text)) {
      this.#at = this.#pattern.lastIndex;
      this.#event(m, now);
    }
    // Keep only what a token split across chunks may still need.
    this.#text = this.#text.slice(Math.max(0, this.#at - 64));
    this.#at = Math.min(this.#at, 64);
  }

  #event(m: RegExpExecArray, now: number): void {
    const job = this.times.at(-1);
    if (m[0] === SUBMIT) {
      this.#test = SUBMIT;
      this.times.push({ sent: now });
    } else if (m[0] === WAIT) this.#test = WAIT;
    else if (m[1] !== undefined && job) job.printerJobId = Number(m[1]);
    else if (m[2] === 'FAIL' && job) job.error ??= `${this.#test ?? 'test'} FAIL`;
    else if (m[2] === 'PASS' && job && this.#test === SUBMIT) job.accepted = now;
    else if (m[2] === 'PASS' && job && this.#test === WAIT) job.done = now;
  }
}

export interface BaselineOptions {
  dir: string;
  url: string;
  pdfFile: string;
  jobs: number;
  pollMs: number;
  timeoutMs: number;
}

/** Runs ipptool for `jobs` jobs (the test file given once per job); resolves with each job's times. */
export async function runIpptool(
  teardown: Teardown,
  o: BaselineOptions,
): Promise<{ times: JobTimes[]; problems: string[] }> {
  const file = join(o.dir, `job-poll-${o.pollMs}.test`);
  await writeFile(file, jobTestFile(o.pollMs));
  const args = ['-T', '10', '-t', '-f', o.pdfFile, '-d', 'job_name=bench-ipptool', o.url];
  const child = spawn('ipptool', [...args, ...Array<string>(o.jobs).fill(file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = teardown.add('ipptool', () => stopChild(child));
  const reader = new ReportReader();
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    reader.take(chunk.toString('utf8'), performance.now());
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const timer = setTimeout(() => void stop(), o.timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', (c) => {
      resolve(c);
    });
    child.once('error', (err) => {
      stderr += err.message;
      resolve(null);
    });
  });
  clearTimeout(timer);
  await stop();
  const problems = code === 0 ? [] : [`ipptool exited ${String(code)}: ${stderr.trim().slice(-300)}`];
  return { times: reader.times, problems };
}
