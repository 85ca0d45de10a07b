/** Terminal output of preflight: the results of a target, or its checks as commands to run by hand. */
import type { Check, CheckResult, Finding, Status } from './check';

const WORD: Record<Status, string> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
const RANK: Record<Status, number> = { pass: 0, skip: 1, warn: 2, fail: 3 };

/** The status of a check: its worst finding (a check with no finding passed). */
export function statusOf(findings: readonly Finding[]): Status {
  return findings.reduce<Status>((worst, f) => (RANK[f.status] > RANK[worst] ? f.status : worst), 'pass');
}

export interface Tally {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
}

/** Findings per status. */
export function tally(results: readonly CheckResult[], into: Tally = { pass: 0, warn: 0, fail: 0, skip: 0 }): Tally {
  for (const f of results.flatMap((r) => r.findings)) into[f.status]++;
  return into;
}

/** One target's results: a line per check, a line per finding, and the fix under each problem. */
export function renderResults(heading: string, results: readonly CheckResult[]): string {
  const lines = [heading];
  for (const result of results) {
    lines.push(`  ${WORD[statusOf(result.findings)].padEnd(4)}  ${result.title}`);
    for (const finding of result.findings) {
      lines.push(`        ${WORD[finding.status].padEnd(4)}  ${finding.message}`);
      if (finding.fix && finding.status !== 'pass') lines.push(`              fix: ${finding.fix}`);
    }
  }
  const t = tally(results);
  lines.push(`  ${t.pass} passed, ${t.fail} failed, ${t.warn} warnings, ${t.skip} skipped`);
  return `${lines.join('\n')}\n`;
}

/** What the listing shows of a check. */
export type PlannedCheck = Pick<Check<never>, 'title' | 'commands' | 'expect'>;

/** One target's checks as the commands that make them by hand, and what they show when it passes. */
export function renderPlan(heading: string, checks: readonly PlannedCheck[], reason?: string): string {
  const lines = [`${heading}: ${checks.length} checks${reason ? ` not made: ${reason}` : ''}; by hand:`];
  checks.forEach((check, i) => {
    lines.push(`  ${i + 1}. ${check.title}`);
    for (const command of check.commands) lines.push(`     $ ${command}`);
    lines.push(`     expect: ${check.expect}`);
  });
  return `${lines.join('\n')}\n`;
}
