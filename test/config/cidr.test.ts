import { describe, expect, it } from 'vitest';
import { cidrContains, cidrOverlaps, cidrProblem, isPublicIpv4, parseCidr, subnetAt } from '../../lib/config';

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad fixture ${text}`);
  return parsed;
};

describe('CIDR arithmetic', () => {
  it('parses valid ranges and rejects malformed ones', () => {
    expect(parseCidr('10.0.0.0/8')?.prefix).toBe(8);
    for (const bad of [
      '10.0.0.0',
      '10.0.0/8',
      '10.0.0.256/32',
      '10.0.0.0/33',
      '010.0.0.0/8',
      'a.b.c.d/8',
      '10.0.0.0/8/1',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('explains host bits with the aligned network address', () => {
    expect(cidrProblem('10.20.1.0/16')).toBe('has host bits set; the network address is 10.20.0.0/16');
    expect(cidrProblem('10.0.0.0/40')).toBe('has a prefix length outside 0-32');
    expect(cidrProblem('ten/8')).toBe('is not an IPv4 CIDR (a.b.c.d/n)');
  });

  it('detects overlap and containment', () => {
    expect(cidrOverlaps(cidr('10.0.0.0/16'), cidr('10.0.255.0/24'))).toBe(true);
    expect(cidrOverlaps(cidr('10.0.0.0/16'), cidr('10.1.0.0/16'))).toBe(false);
    expect(cidrContains(cidr('10.0.0.0/16'), cidr('10.0.4.0/22'))).toBe(true);
    expect(cidrContains(cidr('10.0.4.0/22'), cidr('10.0.0.0/16'))).toBe(false);
  });

  it('carves subnets deterministically', () => {
    expect(subnetAt('10.20.0.0/16', 20, 0)).toBe('10.20.0.0/20');
    expect(subnetAt('10.20.0.0/16', 20, 15)).toBe('10.20.240.0/20');
    expect(() => subnetAt('10.20.0.0/16', 20, 16)).toThrow(/holds 16 subnets/);
    expect(() => subnetAt('10.20.0.0/16', 8, 0)).toThrow(/does not fit/);
  });

  it('tells public addresses from private and reserved ones', () => {
    expect(isPublicIpv4('52.1.2.3')).toBe(true);
    expect(isPublicIpv4('203.0.113.10')).toBe(true);
    for (const notPublic of [
      '10.1.1.1',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '224.0.0.1',
      'x',
    ]) {
      expect(isPublicIpv4(notPublic), notPublic).toBe(false);
    }
  });
});
