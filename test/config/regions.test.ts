import { describe, expect, it } from 'vitest';
import { awsPoolZones } from '../../lib/config';

describe('awsPoolZones', () => {
  it('places a pool in the zones it names, else in every environment zone that offers its type', () => {
    const target = { region: 'eu-west-1' };
    expect(awsPoolZones(target, 3, { zones: ['eu-west-1b'] }, 'g6.xlarge')).toEqual(['eu-west-1b']);
    expect(awsPoolZones(target, 2, {}, 'g6.xlarge')).toEqual(['eu-west-1a', 'eu-west-1b']);
  });

  it('places a pool whose family the region lacks nowhere (validation reports it)', () => {
    expect(awsPoolZones({ region: 'eu-west-3' }, 3, {}, 'p5.48xlarge')).toEqual([]);
  });
});
