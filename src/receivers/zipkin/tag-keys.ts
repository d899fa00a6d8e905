/**
 * Zipkin tag keys that the OpenTelemetry Collector's zipkinv2 translator does not keep as span
 * attributes: OTel resource attributes that OTel's Zipkin exporters flatten into tags, moved
 * back to the resource (semantic conventions 1.6.1, the version the translator uses, plus the
 * OpenCensus keys it also moves).
 */

/** Tag keys that become resource attributes. */
export const RESOURCE_TAG_KEYS: ReadonlySet<string> = new Set([
  'cloud.provider', 'cloud.account.id', 'cloud.region', 'cloud.availability_zone', 'cloud.platform',
  'aws.ecs.container.arn', 'aws.ecs.cluster.arn', 'aws.ecs.launchtype', 'aws.ecs.task.arn', 'aws.ecs.task.family',
  'aws.ecs.task.revision', 'aws.eks.cluster.arn', 'aws.log.group.names', 'aws.log.group.arns', 'aws.log.stream.names',
  'aws.log.stream.arns',
  'container.name', 'container.id', 'container.runtime', 'container.image.name', 'container.image.tag',
  'deployment.environment',
  'device.id', 'device.model.identifier', 'device.model.name',
  'faas.name', 'faas.id', 'faas.version', 'faas.instance', 'faas.max_memory',
  'host.id', 'host.name', 'host.type', 'host.arch', 'host.image.name', 'host.image.id', 'host.image.version',
  'k8s.cluster.name', 'k8s.node.name', 'k8s.node.uid', 'k8s.namespace.name', 'k8s.pod.uid', 'k8s.pod.name',
  'k8s.container.name', 'k8s.replicaset.uid', 'k8s.replicaset.name', 'k8s.deployment.uid', 'k8s.deployment.name',
  'k8s.statefulset.uid', 'k8s.statefulset.name', 'k8s.daemonset.uid', 'k8s.daemonset.name', 'k8s.job.uid',
  'k8s.job.name', 'k8s.cronjob.uid', 'k8s.cronjob.name',
  'os.type', 'os.description', 'os.name', 'os.version',
  'process.pid', 'process.executable.name', 'process.executable.path', 'process.command', 'process.command_line',
  'process.command_args', 'process.owner', 'process.runtime.name', 'process.runtime.version',
  'process.runtime.description',
  'service.name', 'service.namespace', 'service.instance.id', 'service.version',
  'telemetry.sdk.name', 'telemetry.sdk.language', 'telemetry.sdk.version', 'telemetry.auto.version',
  'webengine.name', 'webengine.version', 'webengine.description',
  'opencensus.starttime', 'opencensus.exporterversion', 'opencensus.resourcetype',
]);

/** Tag keys naming the instrumentation scope: current OTel exporters, then the older names. */
export const SCOPE_NAME_TAGS = ['otel.scope.name', 'otel.library.name'] as const;
/** Tag keys carrying the instrumentation scope's version. */
export const SCOPE_VERSION_TAGS = ['otel.scope.version', 'otel.library.version'] as const;

/** Attribute set, as the collector does, on a span that arrived without a timestamp. */
export const START_TIME_ABSENT = 'otel.zipkin.absentField.startTime';
