import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AGENT_PORT } from '../../lib/config';
import { fixtures } from '../util';
import { stageOf } from './harness';

describe('ModelApi', () => {
  it('fronts an internal NLB in the private subnets through a VPC link; its listeners and target groups belong to the Serving stack', () => {
    const { template, stage } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internal',
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 0);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 0);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      Integration: Match.objectLike({ Type: 'HTTP_PROXY', ConnectionType: 'VPC_LINK' }),
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
    });
    const nlbSubnets = stage.modelApi.loadBalancer.vpc?.selectSubnets(stage.privateSubnets).subnetIds;
    expect(nlbSubnets).toHaveLength(2);
  });

  it('writes no NLB access logs, which NLBs produce only for TLS listeners (the API access log and VPC flow logs cover it)', () => {
    // GIVEN staging WHEN built THEN the TCP load balancer has no access-log attribute pointing at a bucket
    const { template } = stageOf(fixtures.awsStaging);
    const [nlb] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const attributes = (nlb?.Properties.LoadBalancerAttributes ?? []) as Array<{ Key: string; Value: string }>;
    expect(attributes.filter((a) => a.Key.startsWith('access_logs.s3'))).toEqual([]);
    // AND its listeners (in the serving stack, one pair per model) are plain TCP
    const { stage } = stageOf(fixtures.awsStaging);
    const listeners = Template.fromStack(stage.serving as Stack).findResources('AWS::ElasticLoadBalancingV2::Listener');
    expect(Object.keys(listeners).length).toBeGreaterThan(0);
    for (const listener of Object.values(listeners)) expect(listener.Properties.Protocol).toBe('TCP');
  });

  it('throttles, traces and access-logs the stage to a KMS-encrypted log group', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/mlops/staging/api/access',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
    });
  });

  it('requires API keys with a usage plan and daily quota in api-key mode', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ApiKeyRequired: true,
      AuthorizationType: 'NONE',
    });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Quota: { Limit: 100_000, Period: 'DAY' },
      Throttle: { RateLimit: 50, BurstLimit: 100 },
    });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Value: Match.absent() });
  });

  it('requires SigV4 in iam mode and creates no usage plan', () => {
    const { template } = stageOf(fixtures.awsHybrid);
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'AWS_IAM' });
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
  });

  it('puts AWS WAF with managed rule groups and a rate rule in front of production only', () => {
    const prod = stageOf(fixtures.awsProduction).template;
    prod.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet' }),
        Match.objectLike({
          Name: 'rate-per-ip',
          Statement: { RateBasedStatement: Match.objectLike({ AggregateKeyType: 'IP' }) },
        }),
      ]),
    });
    prod.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    prod.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
    stageOf(fixtures.awsStaging).template.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });
});

describe('ModelApi network path', () => {
  it('opens the cluster security group to the load balancer on the agent port only', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: AGENT_PORT,
      ToPort: AGENT_PORT,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Cluster'), 'ClusterSecurityGroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiLoadBalancerSecurityGroup'), 'GroupId'] },
    });
  });
});
