import crypto from 'node:crypto';

/** A new run or model id: UTC time first, so ids sort by age, then random hex so two in one second differ. */
export function newId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${crypto.randomBytes(3).toString('hex')}`;
}
