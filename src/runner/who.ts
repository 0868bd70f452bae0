import { hostname, userInfo } from 'node:os';

/** Who runs this cortex process, as `cortex log` shows it: the OS user and the host. */
export interface Operator {
  osUser: string | null;
  host: string;
}

/** The OS user (null when the system cannot name it) and host of this process. */
export function operator(): Operator {
  let osUser: string | null;
  try {
    osUser = userInfo().username;
  } catch {
    // A uid with no passwd entry (some containers) has no name: fall back to the login variables.
    osUser = process.env.USER || process.env.LOGNAME || null;
  }
  return { osUser, host: hostname() };
}
