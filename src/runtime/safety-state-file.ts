import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parseLatched, serializeLatched, type LatchedState } from '../../safety/persist.js';
import { writeFileAtomicSync } from './atomic-file.js';

/**
 * The supervisor's latched-state file, `<state_dir>/safety/latched.json`: read once at start (a
 * file that cannot be trusted is moved aside and reported, never silently dropped), replaced
 * atomically and durably on every change.
 */
export class LatchedStateFile {
  readonly path: string;
  readonly #dir: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, 'safety');
    this.path = join(this.#dir, 'latched.json');
  }

  /** The saved state, nothing (no file yet), or why it cannot be used. */
  read(
    nowMs: number,
  ): { kind: 'none' } | { kind: 'ok'; state: LatchedState } | { kind: 'bad'; reason: string } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      return { kind: 'bad', reason: `latched state unreadable: ${(err as Error).message}` };
    }
    const parsed = parseLatched(text);
    if (parsed.ok) return { kind: 'ok', state: parsed.state };
    const aside = `${this.path}.corrupt-${String(nowMs)}`;
    try {
      renameSync(this.path, aside);
    } catch {
      // kept in place: the next start reports it again
    }
    return { kind: 'bad', reason: `latched state file corrupt (${parsed.reason}); kept as ${aside}` };
  }

  /** Throws when the state cannot be written (the caller reports it as a fault). */
  write(state: LatchedState): void {
    mkdirSync(this.#dir, { recursive: true });
    writeFileAtomicSync(this.path, serializeLatched(state), { sync: true });
  }
}
