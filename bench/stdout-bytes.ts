/**
 * Counts what this process writes to stdout from now on (a benchmark child's stdout goes to
 * /dev/null or is ignored by the parent): the log and EMF lines a handler really writes.
 */
export function countStdout(): { bytes: () => number; restore: () => void } {
  let bytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  return {
    bytes: () => bytes,
    restore: () => {
      process.stdout.write = write;
    },
  };
}
