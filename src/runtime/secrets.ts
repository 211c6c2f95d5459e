import { readFile } from 'node:fs/promises';
import { CxpError } from '../cxp/errors.js';

/** Where a secret comes from: a file (first line) or an environment variable. Never from the config itself. */
export interface SecretRef {
  file?: string;
  env?: string;
}

export type SecretReader = (ref: SecretRef) => Promise<string>;

export function secretReader(env: Readonly<Record<string, string | undefined>>): SecretReader {
  return async (ref) => {
    if (ref.file !== undefined) {
      const text = await readFile(ref.file, 'utf8').catch((err: unknown) => {
        throw new CxpError('INVALID_PARAMS', `cannot read secret file ${ref.file ?? ''}`, { cause: err });
      });
      return text.split(/\r?\n/)[0] ?? '';
    }
    if (ref.env !== undefined) {
      const value = env[ref.env];
      if (value === undefined)
        throw new CxpError('INVALID_PARAMS', `environment variable ${ref.env} is not set`);
      return value;
    }
    throw new CxpError('INVALID_PARAMS', 'a secret needs a file or an environment variable');
  };
}
