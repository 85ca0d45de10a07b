import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { AwsEnvironment, PlatformNames } from '../config';
import { acknowledge, managedPolicyFinding } from './acknowledge';

/** Port of the inference service's pods, what the NLB's IP targets listen on. */
export const INFERENCE_PORT = 8080;
/** The API stage name. */
export const API_STAGE = 'v1';

export interface ModelApiProps {
  readonly environment: AwsEnvironment;
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  /** Subnets of the internal NLB. */
  readonly subnets: ec2.SubnetSelection;
  /** Encrypts the access-log (and WAF log) groups. */
  readonly logsKey: kms.IKey;
  /**
   * Security group of the inference pods (with the VPC CNI, the EKS cluster security group that
   * the managed nodes use); it is opened to the load balancer on the inference port.
   * @default - no rule is added; the pods' security group must admit the load balancer itself
   */
  readonly inferenceSecurityGroup?: ec2.ISecurityGroup;
}

/**
 * The model API: a regional REST API that forwards `POST /models/{model}/invoke` through a VPC
 * link to an internal Network Load Balancer in the private subnets.
 *
 * The NLB's target group is an IP target group on the inference pods' port: the inference
 * service's `TargetGroupBinding` (the AWS Load Balancer Controller runs in the cluster; the
 * binding itself is deployed with the model-serving workload) registers the pod IPs, so traffic goes straight to ready pods on whichever GPU node
 * they run, and a pool that scales to zero simply has no targets. `targetGroup` is exposed for
 * that binding.
 *
 * Throttling and auth come from `env.api` (IAM SigV4, or API keys with a usage plan and daily
 * quota); bodies are validated against a JSON schema; access logs go to a KMS-encrypted log group;
 * X-Ray tracing is on; production has AWS WAF (AWS managed rule groups and a per-IP rate rule).
 */
export class ModelApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly loadBalancer: elbv2.NetworkLoadBalancer;
  public readonly targetGroup: elbv2.NetworkTargetGroup;
  /** The load balancer's security group (HTTP in from the VPC, the inference port out). */
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly usagePlan?: apigw.UsagePlan;
  public readonly webAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ModelApiProps) {
    super(scope, id);
    const env = props.environment;
    const production = env.stage === 'production';
    const removalPolicy = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const retention = env.monitoring.logRetentionDays as logs.RetentionDays;

    const nlbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Internal model API load balancer: HTTP from the VPC (the API Gateway VPC link)',
      allowAllOutbound: false,
    });
    this.loadBalancerSecurityGroup = nlbSecurityGroup;
    nlbSecurityGroup.addIngressRule(ec2.Peer.ipv4(env.network.cidr), ec2.Port.tcp(80), 'VPC link from API Gateway');
    nlbSecurityGroup.addEgressRule(ec2.Peer.ipv4(env.network.cidr), ec2.Port.tcp(INFERENCE_PORT), 'Inference pods');
    props.inferenceSecurityGroup?.addIngressRule(
      nlbSecurityGroup,
      ec2.Port.tcp(INFERENCE_PORT),
      'Model API load balancer to the inference pods',
    );
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: false,
      crossZoneEnabled: true,
      securityGroups: [nlbSecurityGroup],
      deletionProtection: production,
    });
    // No NLB access logs: an NLB writes them only for TLS listeners, and this one is TCP (the
    // backend has no certificate of its own; clients get TLS at API Gateway). Every request is in
    // the API's access log, and every connection through the NLB's interfaces in the VPC flow logs.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
    const noAccessLogs =
      'Network Load Balancers write access logs only for TLS listeners; this internal TCP listener would log nothing. Requests are in the API Gateway access log and connections in the VPC flow logs (all traffic)';
    acknowledge(this.loadBalancer, {
      'AwsSolutions-ELB2': noAccessLogs,
      'HIPAA.Security-ELBLoggingEnabled': noAccessLogs,
      'NIST.800.53.R5-ELBLoggingEnabled': noAccessLogs,
    });
    this.targetGroup = new elbv2.NetworkTargetGroup(this, 'InferenceTargets', {
      vpc: props.vpc,
      port: INFERENCE_PORT,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.IP,
      healthCheck: { protocol: elbv2.Protocol.HTTP, path: '/health', port: String(INFERENCE_PORT) },
      deregistrationDelay: Duration.seconds(30),
    });
    this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.Protocol.TCP,
      defaultTargetGroups: [this.targetGroup],
    });
    const vpcLink = new apigw.VpcLink(this, 'VpcLink', {
      vpcLinkName: props.names.resource('model-api'),
      targets: [this.loadBalancer],
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      logGroupName: props.names.logGroup('api/access'),
      encryptionKey: props.logsKey,
      retention,
      removalPolicy,
    });

    const iamAuth = env.api.authMode === 'iam';
    this.api = new apigw.RestApi(this, 'Resource', {
      restApiName: props.names.resource('model-api'),
      description: `Model endpoints of ${props.names.base}`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: removalPolicy,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: env.api.rateLimitPerSecond,
        throttlingBurstLimit: env.api.burst,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: iamAuth
        ? { authorizationType: apigw.AuthorizationType.IAM }
        : { authorizationType: apigw.AuthorizationType.NONE, apiKeyRequired: true },
      disableExecuteApiEndpoint: false,
    });
    acknowledge(this.api, {
      [managedPolicyFinding('service-role/AmazonAPIGatewayPushToCloudWatchLogs')]:
        "The AWS-maintained policy of API Gateway's account-level logging role; execution (error) logs need it",
      'HIPAA.Security-APIGWCacheEnabledAndEncrypted':
        'No cache: inference responses are computed per request and caller; a cache would serve one caller the result of another',
      'NIST.800.53.R5-APIGWCacheEnabledAndEncrypted':
        'No cache: inference responses are computed per request and caller; a cache would serve one caller the result of another',
      'HIPAA.Security-APIGWSSLEnabled':
        'The backend is an internal NLB reached only through the VPC link inside the VPC; backend client certificates apply to public HTTP endpoints',
      'NIST.800.53.R5-APIGWSSLEnabled':
        'The backend is an internal NLB reached only through the VPC link inside the VPC; backend client certificates apply to public HTTP endpoints',
    });
    if (!production) {
      acknowledge(this.loadBalancer, {
        'HIPAA.Security-ELBDeletionProtectionEnabled':
          'Staging: the load balancer holds no state and is recreated with the stack; production turns deletion protection on',
        'NIST.800.53.R5-ELBDeletionProtectionEnabled':
          'Staging: the load balancer holds no state and is recreated with the stack; production turns deletion protection on',
      });
    }
    acknowledge(this.loadBalancer, {
      'HIPAA.Security-ELBv2ACMCertificateRequired':
        'Internal TCP listener reached only by the API Gateway VPC link; clients get TLS at API Gateway, and the pods may terminate TLS themselves (TCP passes it through)',
      'NIST.800.53.R5-ELBv2ACMCertificateRequired':
        'Internal TCP listener reached only by the API Gateway VPC link; clients get TLS at API Gateway, and the pods may terminate TLS themselves (TCP passes it through)',
    });

    // API Gateway creates the execution-log group itself, unencrypted and kept forever; creating it
    // first gives it the logs key and the environment's retention.
    new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${API_STAGE}`,
      encryptionKey: props.logsKey,
      retention,
      removalPolicy,
    });

    const validator = this.api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const model = this.api.addModel('InvokeRequest', {
      contentType: 'application/json',
      modelName: 'InvokeRequest',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        type: apigw.JsonSchemaType.OBJECT,
        required: ['inputs'],
        properties: {
          inputs: { type: apigw.JsonSchemaType.ARRAY, minItems: 1 },
          parameters: { type: apigw.JsonSchemaType.OBJECT },
        },
      },
    });
    const invoke = this.api.root.addResource('models').addResource('{model}').addResource('invoke');
    invoke.addMethod(
      'POST',
      new apigw.Integration({
        type: apigw.IntegrationType.HTTP_PROXY,
        integrationHttpMethod: 'POST',
        uri: `http://${this.loadBalancer.loadBalancerDnsName}/models/{model}/invoke`,
        options: {
          connectionType: apigw.ConnectionType.VPC_LINK,
          vpcLink,
          requestParameters: { 'integration.request.path.model': 'method.request.path.model' },
          timeout: Duration.seconds(29),
        },
      }),
      {
        requestValidator: validator,
        requestModels: { 'application/json': model },
        requestParameters: { 'method.request.path.model': true },
      },
    );

    if (!iamAuth) {
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        name: props.names.resource('model-api'),
        throttle: { rateLimit: env.api.rateLimitPerSecond, burstLimit: env.api.burst },
        quota: env.api.dailyQuota === undefined ? undefined : { limit: env.api.dailyQuota, period: apigw.Period.DAY },
        apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
      });
      // The key value is generated by API Gateway; it never appears in the template.
      this.usagePlan.addApiKey(
        this.api.addApiKey('DefaultClientKey', { apiKeyName: props.names.resource('default-client') }),
      );
      const apiKeys =
        "env.api.authMode is 'api-key': every method requires an API key tied to a usage plan with throttling and quota; callers are machine clients, not Cognito users";
      acknowledge(this.api, { 'AwsSolutions-COG4': apiKeys, 'AwsSolutions-APIG4': apiKeys });
    } else {
      acknowledge(this.api, {
        'AwsSolutions-COG4':
          "env.api.authMode is 'iam': every method requires SigV4-signed requests (AWS_IAM authorization)",
      });
    }

    if (production) {
      this.webAcl = this.createWaf(props, retention, removalPolicy);
    } else {
      const noWaf =
        'WAF runs in production only; staging APIs are throttled, authenticated and carry no production traffic';
      acknowledge(this.api.deploymentStage, {
        'AwsSolutions-APIG3': noWaf,
        'NIST.800.53.R5-APIGWAssociatedWithWAF': noWaf,
      });
    }
  }

  private createWaf(
    props: ModelApiProps,
    retention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): wafv2.CfnWebACL {
    const managed = (name: string, priority: number): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: name },
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.names.resource('model-api'),
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'model-api' },
      rules: [
        managed('AWSManagedRulesCommonRuleSet', 0),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 1),
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        {
          name: 'rate-per-ip',
          priority: 3,
          action: { block: {} },
          // WAF counts over 5 minutes: a single IP may use the API's whole steady rate, no more.
          statement: {
            rateBasedStatement: {
              limit: Math.max(props.environment.api.rateLimitPerSecond * 300, 100),
              aggregateKeyType: 'IP',
            },
          },
          visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'rate-per-ip' },
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      webAclArn: acl.attrArn,
      resourceArn: this.api.deploymentStage.stageArn,
    });
    // WAF log group names must start with aws-waf-logs-.
    // https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
    const wafLogs = new logs.LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-${props.names.resource('model-api')}`,
      encryptionKey: props.logsKey,
      retention,
      removalPolicy,
    });
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: acl.attrArn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    });
    return acl;
  }
}
