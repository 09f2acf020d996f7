/**
 * Waits for the server (started outside Playwright) to answer `GET /healthz` with 200, for at
 * most 60 seconds, so the tests never race its start-up.
 */
export default async function globalSetup(): Promise<void> {
  const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
  const url = new URL('/healthz', baseURL).toString();
  const deadline = Date.now() + 60_000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The server at ${url} did not answer 200 within 60 s (last: ${last}).`);
}
