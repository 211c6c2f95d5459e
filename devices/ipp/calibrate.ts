import { execFile } from 'node:child_process';
import { CxpError, type Result } from '../../src/cxp/errors.js';
import type { IppConfig } from './config.js';

/** Output kept from the calibration tool (the tail), for the result and the log. */
const KEEP = 2048;

/**
 * production.calibrate: IPP has no calibration operation, so a press calibrates through the site's
 * own tool (`calibration.command`, run without a shell, the printer's id and URI in its environment).
 * Exit 0 is success; anything else, or running past `timeout_ms`, is a coded failure with the tool's
 * last output.
 */
export function runCalibration(config: IppConfig): Promise<Result<{ output: string; ms: number }>> {
  const cal = config.calibration;
  if (!cal)
    return Promise.resolve({
      ok: false,
      error: new CxpError('UNSUPPORTED_OPERATION', `${config.id} has no calibration command configured`),
    });
  const [file = '', ...args] = cal.command;
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: cal.timeout_ms,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          CXP_PRINTER_ID: config.id,
          CXP_PRINTER_URI: config.url,
        },
      },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`.slice(-KEEP);
        const ms = Date.now() - started;
        if (!err) {
          resolve({ ok: true, value: { output, ms } });
          return;
        }
        const timedOut = (err as { killed?: boolean }).killed === true;
        resolve({
          ok: false,
          error: new CxpError(
            timedOut ? 'DEADLINE_EXCEEDED' : 'DEVICE_FAULT',
            timedOut
              ? `${config.id}: calibration did not finish within ${cal.timeout_ms} ms`
              : `${config.id}: calibration failed (${err.message.split('\n')[0] ?? ''})`,
            { retryable: true, details: { output, exit_code: (err as { code?: unknown }).code ?? null } },
          ),
        });
      },
    );
  });
}
