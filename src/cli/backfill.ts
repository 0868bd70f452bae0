import type { Command } from 'commander';
import { addWorkCommand } from './backfill-work.js';

/** `cortex backfill …`: the phase-3 backfill, from any terminal or machine against the same database. */
export function registerBackfill(program: Command): void {
  const group = program.command('backfill').description('the phase-3 backfill in progress, from any terminal or machine against the same database');
  addWorkCommand(group);
}
