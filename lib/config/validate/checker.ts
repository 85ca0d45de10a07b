/**
 * The one checker every validation module uses: it collects problems for one file, and offers
 * the checks that recur (ranges, CIDRs, patterns, overlaps, pool bounds).
 */
import { cidrOverlaps, cidrProblem, type Ipv4Cidr, parseCidr } from '../cidr';
import type { Cloud } from '../types';
import type { ConfigProblem } from './problems';

/** Patterns shared by the environment and the delivery files. */
export const PATTERNS = {
  guid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  domain: /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
  /** Environment and delivery names: 2-40 lowercase letters, digits and single hyphens. */
  name: /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$/,
  awsAccount: /^\d{12}$/,
  awsInstanceType: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
  azureVmSize: /^Standard_[A-Za-z0-9_]+$/,
  k8sVersion: /^1\.\d{2}$/,
  apimSku: /^(Developer|Premium)_[1-9]\d*$/,
  repository: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
  gitBranch: /^(?!\/|.*\/$|.*\.\.|.*\/\/)[A-Za-z0-9._/-]+$/,
  codeConnectionArn:
    /^arn:aws[a-z-]*:(?:codeconnections|codestar-connections):([a-z0-9-]+):(\d{12}):connection\/[0-9a-f-]{36}$/,
} as const;

export const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

export const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** An address range with where it was configured; `hybrid` ranges are on-prem node and pod ranges. */
export interface NamedRange {
  readonly path: string;
  readonly cidr: Ipv4Cidr;
  readonly group: 'cloud' | 'on-prem' | 'hybrid';
}

/** Collects the problems of one file. */
export class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly file: string) {}

  error(path: string, value: unknown, problem: string, fix: string): void {
    this.problems.push({ severity: 'error', file: this.file, path, value, problem, fix });
  }

  warn(path: string, value: unknown, problem: string, fix: string): void {
    this.problems.push({ severity: 'warning', file: this.file, path, value, problem, fix });
  }

  /** An integer within [min, max]; returns whether it was. */
  intInRange(path: string, value: unknown, min: number, max: number, fix: string): boolean {
    if (!isInt(value) || value < min || value > max) {
      this.error(path, value, `must be a whole number from ${min} to ${max}`, fix);
      return false;
    }
    return true;
  }

  /** A finite number within [min, max]; returns whether it was. */
  numberInRange(path: string, value: unknown, min: number, max: number, fix: string): boolean {
    if (!isNumber(value) || value < min || value > max) {
      this.error(path, value, `must be a number from ${min} to ${max}`, fix);
      return false;
    }
    return true;
  }

  /** A string matching `pattern`; returns whether it did. */
  matches(path: string, value: unknown, pattern: RegExp, problem: string, fix: string): boolean {
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.error(path, value, problem, fix);
      return false;
    }
    return true;
  }

  /** A CIDR that parses; returns it for further checks. */
  cidr(path: string, value: unknown): Ipv4Cidr | undefined {
    if (typeof value !== 'string') {
      this.error(path, value, 'is not an IPv4 CIDR', 'write it as a.b.c.d/n');
      return undefined;
    }
    const problem = cidrProblem(value);
    if (problem) {
      this.error(path, value, problem, 'write the network address with its prefix length, for example 10.20.0.0/16');
      return undefined;
    }
    return parseCidr(value);
  }

  /**
   * Errors on every pair of overlapping ranges, except an on-premises node or pod range inside
   * an on-premises range (that is where they live).
   */
  noOverlaps(ranges: readonly NamedRange[]): void {
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++) {
        const a = ranges[i] as NamedRange;
        const b = ranges[j] as NamedRange;
        const nested = [a.group, b.group].includes('on-prem') && [a.group, b.group].includes('hybrid');
        if (!nested && cidrOverlaps(a.cidr, b.cidr)) {
          this.error(
            b.path,
            b.cidr.text,
            `overlaps ${a.path} (${a.cidr.text})`,
            'choose non-overlapping ranges; traffic to an overlapping range cannot be routed',
          );
        }
      }
    }
  }

  minDesiredMax(
    path: string,
    pool: { minNodes: number; maxNodes: number; desiredNodes?: number },
    lowest: number,
  ): void {
    const minOk = this.intInRange(`${path}.minNodes`, pool.minNodes, lowest, 1000, `set minNodes to ${lowest} or more`);
    const maxOk = this.intInRange(`${path}.maxNodes`, pool.maxNodes, 1, 1000, 'set maxNodes to at least 1');
    if (minOk && maxOk && pool.maxNodes < pool.minNodes) {
      this.error(
        `${path}.maxNodes`,
        pool.maxNodes,
        `must be >= minNodes (${pool.minNodes})`,
        'raise maxNodes or lower minNodes',
      );
      return;
    }
    if (pool.desiredNodes !== undefined && minOk && maxOk) {
      if (!isInt(pool.desiredNodes) || pool.desiredNodes < pool.minNodes || pool.desiredNodes > pool.maxNodes) {
        this.error(
          `${path}.desiredNodes`,
          pool.desiredNodes,
          `must lie between minNodes (${pool.minNodes}) and maxNodes (${pool.maxNodes})`,
          'set desiredNodes within the pool bounds or leave it out to start at minNodes',
        );
      }
    }
  }

  machineType(path: string, cloud: Cloud, value: string): boolean {
    const ok = cloud === 'aws' ? PATTERNS.awsInstanceType.test(value) : PATTERNS.azureVmSize.test(value);
    if (!ok) {
      this.error(
        path,
        value,
        cloud === 'aws' ? 'is not an AWS instance type' : 'is not an Azure VM size',
        cloud === 'aws' ? "use an instance type such as 'm7i.xlarge'" : "use a VM size such as 'Standard_D4ds_v5'",
      );
    }
    return ok;
  }
}
