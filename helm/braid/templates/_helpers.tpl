{{/* Names, labels, the rendered Braid configuration and the one pod spec every workload uses. */}}

{{- define "braid.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-braid, or the release name when it already contains the chart name. */}}
{{- define "braid.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "braid.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "braid.labels" -}}
helm.sh/chart: {{ include "braid.chart" . }}
app.kubernetes.io/name: {{ include "braid.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: braid
{{- end -}}

{{/* Selector labels of every pod of the release (no component). */}}
{{- define "braid.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "braid.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Selector labels of one component's pods: (dict "root" $ "component" "query"). */}}
{{- define "braid.selectorLabels" -}}
{{ include "braid.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of one component's objects: (dict "root" $ "component" "query"). */}}
{{- define "braid.componentLabels" -}}
{{ include "braid.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Name of a component's objects: <fullname> for all-in-one, <fullname>-<component> otherwise. */}}
{{- define "braid.componentName" -}}
{{- if eq .component "all-in-one" -}}
{{- include "braid.fullname" .root -}}
{{- else -}}
{{- printf "%s-%s" (include "braid.fullname" .root | trunc 52 | trimSuffix "-") .component -}}
{{- end -}}
{{- end -}}

{{/* A label map as k=v,k2=v2 (for NOTES). */}}
{{- define "braid.labelList" -}}
{{- $out := list -}}
{{- range $k, $v := . -}}{{- $out = append $out (printf "%s=%s" $k $v) -}}{{- end -}}
{{- join "," $out -}}
{{- end -}}

{{- define "braid.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "braid.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "braid.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* "true" when the chart's auth Secret holds a scrape-token for Braid's self-scrape and the ServiceMonitor. */}}
{{- define "braid.scrapeAuth" -}}
{{- if and .Values.auth.tokens .Values.auth.scrapeToken (not .Values.auth.existingSecret) -}}true{{- end -}}
{{- end -}}

{{/* The Secret holding the tokens file (key tokens), or "" when Braid runs open. */}}
{{- define "braid.authSecret" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecret -}}
{{- else if .Values.auth.tokens -}}
{{- printf "%s-auth" (include "braid.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "braid.credentialsSecret" -}}
{{- default (printf "%s-credentials" (include "braid.fullname" .)) .Values.credentials.existingSecret -}}
{{- end -}}

{{/* The Service the query API is reached at, inside the cluster. */}}
{{- define "braid.queryService" -}}
{{- if eq .Values.mode "all-in-one" -}}
{{- include "braid.fullname" . -}}
{{- else -}}
{{- include "braid.componentName" (dict "root" . "component" "query") -}}
{{- end -}}
{{- end -}}

{{/* The Service OTLP, Zipkin and the log intake are reached at. */}}
{{- define "braid.collectorService" -}}
{{- if eq .Values.mode "all-in-one" -}}
{{- include "braid.fullname" . -}}
{{- else -}}
{{- include "braid.componentName" (dict "root" . "component" "collector") -}}
{{- end -}}
{{- end -}}

{{- define "braid.queryUrl" -}}
{{- printf "http://%s.%s.svc:%v" (include "braid.queryService" .) .Release.Namespace .Values.service.ports.query -}}
{{- end -}}

{{/*
The Kafka client TLS files Braid reads, relative to /etc/braid: ca.crt, tls.crt and tls.key of
kafka.tls.existingSecret. At install (lookup answers) only the keys the Secret holds; in `helm
template` (no cluster) all three.
*/}}
{{- define "braid.kafkaTlsKeys" -}}
{{- $keys := list "ca.crt" "tls.crt" "tls.key" -}}
{{- $secret := lookup "v1" "Secret" .Release.Namespace .Values.kafka.tls.existingSecret -}}
{{- if and $secret $secret.data -}}
{{- $present := list -}}
{{- range $keys -}}{{- if hasKey $secret.data . -}}{{- $present = append $present . -}}{{- end -}}{{- end -}}
{{- $keys = $present -}}
{{- end -}}
{{- toJson $keys -}}
{{- end -}}

{{/* Braid's configuration as the chart renders it, before .Values.config (YAML). */}}
{{- define "braid.config.base" -}}
{{- $p := .Values.service.ports -}}
receivers:
  otlp:
    grpc: {endpoint: "0.0.0.0:{{ $p.otlpGrpc }}"}
    http: {endpoint: "0.0.0.0:{{ $p.otlpHttp }}"}
  zipkin: {endpoint: "0.0.0.0:{{ $p.zipkin }}"}
  elasticsearch: {endpoint: "0.0.0.0:{{ $p.bulk }}"}
  prometheus:
    enabled: {{ and .Values.scrape.enabled (eq .Values.mode "all-in-one") }}
    config_file: collectors/scrape.yml
query: {endpoint: "0.0.0.0:{{ $p.query }}"}
admin: {endpoint: "0.0.0.0:{{ $p.admin }}"}
queue:
  kafka:
    brokers: {{ toJson .Values.kafka.brokers }}
    topic_prefix: {{ .Values.kafka.topicPrefix | quote }}
    partitions: {{ .Values.kafka.partitions }}
    replication_factor: {{ .Values.kafka.replicationFactor }}
    {{- with .Values.kafka.tls }}
    {{- if .enabled }}
    tls:
      enabled: true
      insecure_skip_verify: {{ .insecureSkipVerify }}
      {{- with .serverName }}
      server_name: {{ . | quote }}
      {{- end }}
      {{- if .existingSecret }}
      {{- $keys := include "braid.kafkaTlsKeys" $ | fromJsonArray }}
      {{- if has "ca.crt" $keys }}
      ca_file: tls/kafka/ca.crt
      {{- end }}
      {{- if and (has "tls.crt" $keys) (has "tls.key" $keys) }}
      cert_file: tls/kafka/tls.crt
      key_file: tls/kafka/tls.key
      {{- end }}
      {{- end }}
    {{- end }}
    {{- end }}
    {{- if .Values.kafka.sasl.enabled }}
    sasl:
      mechanism: {{ .Values.kafka.sasl.mechanism }}
      username: {{ .Values.kafka.sasl.username | quote }}
    {{- end }}
storage:
  elasticsearch:
    {{- with .Values.elasticsearch }}
    {{- if .url }}
    url: {{ .url | quote }}
    {{- end }}
    index_prefix: {{ .indexPrefix | quote }}
    retention_days: {{ .retentionDays }}
    replicas: {{ .replicas }}
    shards: {{ .shards }}
    {{- if eq .auth.type "basic" }}
    username: {{ .auth.username | quote }}
    {{- end }}
    tls:
      insecure_skip_verify: {{ .tls.insecureSkipVerify }}
      {{- if .tls.existingSecret }}
      ca_file: tls/elasticsearch/ca.crt
      {{- end }}
    {{- end }}
alerting:
  rule_files: ["alerts/*.yaml"]
  evaluation_interval: {{ .Values.alerting.evaluationInterval | quote }}
  external_url: {{ default (include "braid.queryUrl" .) .Values.alerting.externalUrl | quote }}
  alertmanagers: {{ toJson .Values.alerting.alertmanagers }}
  webhooks: {{ toJson .Values.alerting.webhooks }}
{{- end -}}

{{/* What the scraper pods change: only the Prometheus receiver, one shard per pod. */}}
{{- define "braid.config.scraper" -}}
receivers:
  otlp:
    grpc: {enabled: false}
    http: {enabled: false}
  zipkin: {enabled: false}
  elasticsearch: {enabled: false}
  prometheus:
    enabled: true
    shard: {count: {{ .Values.scraper.shards }}}
{{- end -}}

{{/* One rendered config as a dict: (dict "root" $ "scraper" bool); .Values.config merged last. */}}
{{- define "braid.configDict" -}}
{{- $cfg := include "braid.config.base" .root | fromYaml -}}
{{- if .scraper -}}
{{- $cfg = mustMergeOverwrite $cfg (include "braid.config.scraper" .root | fromYaml) -}}
{{- end -}}
{{- $cfg = mustMergeOverwrite $cfg (deepCopy .root.Values.config) -}}
{{- toJson $cfg -}}
{{- end -}}

{{- define "braid.configYaml" -}}
{{- include "braid.configDict" (dict "root" . "scraper" false) | fromJson | toYaml -}}
{{- end -}}

{{- define "braid.scraperConfigYaml" -}}
{{- include "braid.configDict" (dict "root" . "scraper" true) | fromJson | toYaml -}}
{{- end -}}

{{/* Seconds Braid may take to drain (shutdown_timeout_seconds), as the pods' grace period uses it. */}}
{{- define "braid.shutdownSeconds" -}}
{{- $cfg := include "braid.configDict" (dict "root" . "scraper" false) | fromJson -}}
{{- default 10 $cfg.shutdown_timeout_seconds | int -}}
{{- end -}}

{{/* The scrape_configs file the collectors read (collectors/scrape.yml). */}}
{{- define "braid.scrapeConfig" -}}
global:
  scrape_interval: 1m
  scrape_timeout: 10s
scrape_configs:
  # Braid's own metrics, from each pod's admin port.
  - job_name: braid
    scrape_interval: 15s
    {{- if include "braid.scrapeAuth" . }}
    # The admin port asks for a token (auth.scrapeToken, mounted from the auth Secret).
    authorization:
      credentials_file: /etc/braid-auth/scrape-token
    {{- end }}
    {{- if eq .Values.mode "all-in-one" }}
    static_configs:
      - targets: ["127.0.0.1:{{ .Values.service.ports.admin }}"]
    {{- else }}
    kubernetes_sd_configs:
      - role: pod
        namespaces: {names: [{{ .Release.Namespace | quote }}]}
        selectors:
          - role: pod
            label: "app.kubernetes.io/instance={{ .Release.Name }},app.kubernetes.io/name={{ include "braid.name" . }}"
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_container_port_name]
        regex: admin
        action: keep
      - source_labels: [__meta_kubernetes_pod_label_app_kubernetes_io_component]
        target_label: component
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
    {{- end }}
  {{- if .Values.scrape.kubernetesPods }}
  # Every pod that opts in: prometheus.io/scrape: "true", prometheus.io/port, prometheus.io/path,
  # prometheus.io/scheme.
  - job_name: kubernetes-pods
    kubernetes_sd_configs:
      - role: pod
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape]
        regex: "true"
        action: keep
      - source_labels: [__meta_kubernetes_pod_phase]
        regex: Pending|Succeeded|Failed|Completed
        action: drop
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scheme]
        regex: (https?)
        target_label: __scheme__
      - source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_path]
        regex: (.+)
        target_label: __metrics_path__
      - source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port]
        regex: ([^:]+)(?::\d+)?;(\d+)
        replacement: $1:$2
        target_label: __address__
      - action: labelmap
        regex: __meta_kubernetes_pod_label_(.+)
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
  {{- end }}
  {{- with .Values.scrape.extraScrapeConfigs }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* The secret's data, for its checksum (the existing Secret's name when it is not ours). */}}
{{- define "braid.credentialsData" -}}
{{- if .Values.credentials.existingSecret -}}
existingSecret: {{ .Values.credentials.existingSecret }}
{{- else -}}
kafka-sasl-password: {{ .Values.credentials.kafkaSaslPassword | b64enc | quote }}
elasticsearch-password: {{ .Values.credentials.elasticsearchPassword | b64enc | quote }}
elasticsearch-api-key: {{ .Values.credentials.elasticsearchApiKey | b64enc | quote }}
{{- end -}}
{{- end -}}
