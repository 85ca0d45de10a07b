import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { AGENT_PORT, type ApiConfig, type ModelEndpointConfig, type PlatformNames } from '../config';
import { AGENT_READY_PATH } from '../kubernetes/names';
import { acknowledge, managedPolicyFinding } from './acknowledge';

/** The API stage name. */
export const API_STAGE = 'v1';

export interface ModelApiProps {
  readonly names: PlatformNames;
  /** The environment's `api` section: throttling, auth mode and daily quota. */
  readonly api: ApiConfig;
  /** The models whose routes the API serves. */
  readonly models: readonly ModelEndpointConfig[];
  /** Retention of the access, execution and WAF log groups. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Keep the log groups (and the CloudWatch role) when the stack is deleted, and turn on the load
   * balancer's deletion protection. The stage sets it for production.
   */
  readonly retain: boolean;
  /**
   * Put the API behind AWS WAF (AWS managed rule groups and a per-IP rate rule, logged). The stage
   * turns it on in production.
   */
  readonly waf: boolean;
  readonly vpc: ec2.IVpc;
  /** The VPC's CIDR (`network.cidr`), where the load balancer may reach the model agents. */
  readonly vpcCidr: string;
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
 * The model API: a regional REST API whose per-model routes (`POST /models/<name>/invoke`,
 * `GET /models/<name>/health`, `POST /models/<name>/preview/invoke`) go through a VPC link to an
 * internal Network Load Balancer in the private subnets: the model's live listener
 * (`gatewayPort`) or its preview listener (`gatewayPort + 1`).
 *
 * The listeners and the slots' IP target groups belong to the environment's `Serving` stack
 * (lib/aws/serving.ts), whose weights a release sets; the slots' `TargetGroupBinding`s register
 * the pod IPs, so traffic goes straight to ready pods on whichever node they run.
 *
 * Throttling and auth come from the `api` section (IAM SigV4, or API keys with a usage plan and daily
 * quota); bodies are validated against a JSON schema; access logs go to a KMS-encrypted log group;
 * X-Ray tracing is on; production has AWS WAF (AWS managed rule groups and a per-IP rate rule).
 */
export class ModelApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly loadBalancer: elbv2.NetworkLoadBalancer;
  /** The load balancer's security group (no inbound rules: VPC-link traffic only; the agent port out). */
  public readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly usagePlan?: apigw.UsagePlan;
  public readonly webAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ModelApiProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const retention = props.logRetention;

    const nlbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: props.vpc,
      description: 'Internal model API load balancer: the API Gateway VPC link only, to the model agents',
      allowAllOutbound: false,
    });
    this.loadBalancerSecurityGroup = nlbSecurityGroup;
    // No inbound rule: the VPC link reaches the NLB through PrivateLink from API Gateway's own
    // network, whose addresses no rule can name, so inbound rules are not enforced on PrivateLink
    // traffic (below) and nothing else in the VPC may call the listeners around the API's auth.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
    nlbSecurityGroup.addEgressRule(ec2.Peer.ipv4(props.vpcCidr), ec2.Port.tcp(AGENT_PORT), 'Model agents');
    props.inferenceSecurityGroup?.addIngressRule(
      nlbSecurityGroup,
      ec2.Port.tcp(AGENT_PORT),
      'Model API load balancer to the model agents (traffic and health checks)',
    );
    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: false,
      crossZoneEnabled: true,
      securityGroups: [nlbSecurityGroup],
      enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false,
      deletionProtection: props.retain,
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

    const iamAuth = props.api.authMode === 'iam';
    this.api = new apigw.RestApi(this, 'Resource', {
      restApiName: props.names.resource('model-api'),
      description: `Model endpoints of ${props.names.base}`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: removalPolicy,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: props.api.rateLimitPerSecond,
        throttlingBurstLimit: props.api.burst,
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
    if (!props.retain) {
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
    const models = this.api.root.addResource('models');
    for (const m of props.models) {
      this.addModelRoutes(models, m, vpcLink, m.protocol === 'kserve-v2' ? { validator, model } : undefined);
    }

    if (!iamAuth) {
      this.usagePlan = this.api.addUsagePlan('UsagePlan', {
        name: props.names.resource('model-api'),
        throttle: { rateLimit: props.api.rateLimitPerSecond, burstLimit: props.api.burst },
        quota:
          props.api.dailyQuota === undefined ? undefined : { limit: props.api.dailyQuota, period: apigw.Period.DAY },
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

    if (props.waf) {
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

  /**
   * A model's routes: invoke and health to its live listener, preview invoke to its preview
   * listener; the agent answers `/models/<name>/invoke` and its readiness path. The body schema
   * (an `inputs` array) is KServe v2's, so only those models get it.
   */
  private addModelRoutes(
    models: apigw.IResource,
    m: ModelEndpointConfig,
    vpcLink: apigw.IVpcLink,
    body?: { validator: apigw.IRequestValidator; model: apigw.IModel },
  ): void {
    const resource = models.addResource(m.name);
    const dns = this.loadBalancer.loadBalancerDnsName;
    // API Gateway waits at most 29 s by default.
    const timeout = Duration.seconds(Math.min(m.timeoutSeconds, 29));
    const route = (parent: apigw.IResource, method: string, port: number, path: string) =>
      parent.addMethod(
        method,
        new apigw.Integration({
          type: apigw.IntegrationType.HTTP_PROXY,
          integrationHttpMethod: method,
          uri: `http://${dns}:${port}${path}`,
          options: { connectionType: apigw.ConnectionType.VPC_LINK, vpcLink, timeout },
        }),
        method === 'POST' && body
          ? { requestValidator: body.validator, requestModels: { 'application/json': body.model } }
          : undefined,
      );
    route(resource.addResource('invoke'), 'POST', m.gatewayPort, `/models/${m.name}/invoke`);
    route(resource.addResource('health'), 'GET', m.gatewayPort, AGENT_READY_PATH);
    route(resource.addResource('preview').addResource('invoke'), 'POST', m.gatewayPort + 1, `/models/${m.name}/invoke`);
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
              limit: Math.max(props.api.rateLimitPerSecond * 300, 100),
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
