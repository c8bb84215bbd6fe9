// The one setting for how long a test waits for the real stack to reach a state. Sized for a
// loaded two-core machine (CI, or several test files at once): a wait that ends early costs
// nothing, a wait that is too short fails a correct run. Every `expect.poll` takes it.
export const POLL = { timeout: 20_000, interval: 100 } as const;
