/** At most `max` bytes of `bytes[start..end)` as spaced hex pairs, noting how many were left out. */
export function hexExcerpt(bytes: Uint8Array, start = 0, end = bytes.length, max = 32): string {
  const stop = Math.min(end, start + max);
  const parts: string[] = [];
  for (let i = start; i < stop; i++) parts.push((bytes[i] ?? 0).toString(16).padStart(2, '0'));
  const rest = end - stop;
  return rest > 0 ? `${parts.join(' ')} (+${rest} bytes)` : parts.join(' ');
}
