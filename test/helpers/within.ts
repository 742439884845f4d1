/**
 * Resolves as `work` does, or rejects after `ms` saying what it waited for and how far it got
 * (`progress()`), instead of jest's bare "Exceeded timeout".
 */
export async function within<T>(
  ms: number,
  what: string,
  work: Promise<T>,
  progress?: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`timed out after ${ms} ms waiting for ${what}${progress ? ` (${progress()})` : ''}`),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
