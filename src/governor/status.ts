// The governor's part of `cortex status`: whether batched work is paused (by whom, since when,
// why), and what the governor of each running process is doing.
import type { Sql } from '../db/client.js';
import { type PauseState, readPause, whoOf } from './control.js';
import { type GovernorRecord, readGovernors } from './record.js';
import { throttledText } from '../verify/writers.js';

/** The pause switch and the running governors. */
export interface GovernorStatus {
  readonly pause: PauseState;
  readonly running: GovernorRecord[];
}

/** Read both (read-only; a ledger without the tables reads as not paused, nothing running). */
export async function readGovernorStatus(sql: Sql): Promise<GovernorStatus> {
  return { pause: await readPause(sql), running: await readGovernors(sql) };
}

/** Text lines for `cortex status`; none when nothing is paused, was paused, or runs. */
export function formatGovernorStatus(s: GovernorStatus): string[] {
  const lines: string[] = [];
  const p = s.pause;
  if (p.paused) {
    lines.push(`batched work: PAUSED by ${whoOf(p)} at ${p.at}${p.reason ? ` (${p.reason})` : ''}; resume with: cortex backfill resume`);
  } else if (p.at) {
    lines.push(`batched work: running freely (resumed by ${whoOf(p)} at ${p.at})`);
  }
  for (const g of s.running) {
    const st = g.state;
    const why = st.throttled && st.reason ? `${st.holding ? 'holding' : 'slowed'}: ${st.reason}` : 'not throttled';
    const total = g.summary.throttledMs > 0 ? `; ${throttledText({ ms: g.summary.throttledMs, byReason: { ...g.summary.byReason } })}` : '';
    lines.push(`governor (${g.host} pid ${g.pid}): ${st.rowsPerSecond.toLocaleString('en-US')} rows/s, batch ${st.batchSize.toLocaleString('en-US')}, ${why}${total}`);
  }
  return lines;
}
