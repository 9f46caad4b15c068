/**
 * Node flags the audit worker is meant to run with (the audit-service image starts it this way).
 * A worker keeps thousands of pairs alive across event-loop turns while their batches are judged;
 * with V8's default 16 MiB semi-spaces they survive into the old generation, which then grows with
 * the judging rate. 8 MiB semi-spaces keep a worker under a 100k-pair backlog below 200 MiB RSS
 * at the same pairs/s (measured with `npm run bench:soak`; see docs/faults.md).
 */
export const AUDIT_WORKER_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=8'])
