{{/*
The pod template of every Braid workload (the Deployments and the scraper StatefulSet):
(dict "root" $ "component" "query" "values" .Values.query "target" "query" "ports" (list "query" "admin") "scraper" false).
Everything Braid reads is projected under /etc/braid, its working directory, so the config's
relative paths (alerts/*.yaml, collectors/scrape.yml, tls/kafka/ca.crt) resolve there.
*/}}

{{/* Container port names, from the keys of .Values.service.ports. */}}
{{- define "braid.portName" -}}
{{- get (dict "otlpGrpc" "otlp-grpc" "otlpHttp" "otlp-http" "zipkin" "zipkin" "bulk" "bulk" "query" "query" "admin" "admin") . -}}
{{- end -}}

{{/* The container env: shard index, credentials, extraEnv (same dict as braid.podTemplate). */}}
{{- define "braid.env" -}}
{{- $root := .root -}}
{{- if .scraper }}
# The StatefulSet's pod index is this pod's scrape shard (of receivers.prometheus.shard.count).
- name: BRAID_SCRAPE_SHARD_INDEX
  valueFrom:
    fieldRef:
      fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
- name: BRAID_SCRAPE_SHARD_COUNT
  value: {{ $root.Values.scraper.shards | quote }}
{{- end }}
{{- $secret := include "braid.credentialsSecret" $root }}
{{- if $root.Values.kafka.sasl.enabled }}
- name: BRAID_KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: kafka-sasl-password}
{{- end }}
{{- if eq $root.Values.elasticsearch.auth.type "basic" }}
- name: BRAID_ELASTICSEARCH_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: elasticsearch-password}
{{- else if eq $root.Values.elasticsearch.auth.type "apiKey" }}
- name: BRAID_ELASTICSEARCH_API_KEY
  valueFrom:
    secretKeyRef: {name: {{ $secret }}, key: elasticsearch-api-key}
{{- end }}
{{- if include "braid.authSecret" $root }}
# The tokens file, re-read by Braid when the kubelet updates the Secret volume (no restart).
- name: BRAID_AUTH_TOKENS_FILE
  value: /etc/braid-auth/tokens
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "braid.podTemplate" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $fullname := include "braid.fullname" $root -}}
{{- $selector := dict "root" $root "component" .component -}}
metadata:
  labels:
    {{- include "braid.componentLabels" $selector | nindent 4 }}
  annotations:
    checksum/config: {{ include (ternary "braid.scraperConfigYaml" "braid.configYaml" .scraper) $root | sha256sum }}
    checksum/alerts: {{ ($root.Files.Glob "files/alerts/**").AsConfig | sha256sum }}
    checksum/collectors: {{ include "braid.scrapeConfig" $root | sha256sum }}
    checksum/credentials: {{ include "braid.credentialsData" $root | sha256sum }}
    {{- with $v.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "braid.serviceAccountName" $root }}
  # The environment is what the chart sets, not a <SERVICE>_PORT variable per Service of the namespace.
  enableServiceLinks: false
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  # A little above Braid's shutdown_timeout_seconds, so it drains before the kubelet kills it.
  terminationGracePeriodSeconds: {{ add (include "braid.shutdownSeconds" $root | int) 5 }}
  containers:
    - name: braid
      image: {{ include "braid.image" $root | quote }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: ["serve", "--config", "/etc/braid/braid.yaml", "--target", {{ .target | quote }}]
      workingDir: /etc/braid
      {{- $env := include "braid.env" . | trim }}
      {{- if $env }}
      env:
        {{- $env | nindent 8 }}
      {{- end }}
      ports:
        {{- range .ports }}
        - name: {{ include "braid.portName" . }}
          containerPort: {{ get $root.Values.service.ports . }}
          protocol: TCP
        {{- end }}
      # Slow Kafka or Elasticsearch at start: up to 5 minutes before the liveness probe counts.
      startupProbe:
        httpGet: {path: /readyz, port: admin}
        periodSeconds: 5
        failureThreshold: 60
      livenessProbe:
        httpGet: {path: /healthz, port: admin}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 6
      readinessProbe:
        httpGet: {path: /readyz, port: admin}
        periodSeconds: 5
        timeoutSeconds: 5
        failureThreshold: 3
      resources:
        {{- toYaml $v.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - {name: etc, mountPath: /etc/braid, readOnly: true}
        - {name: tmp, mountPath: /tmp}
        {{- if include "braid.authSecret" $root }}
        # Its own volume, not a subPath: a subPath mount never sees the Secret's updates.
        - {name: auth, mountPath: /etc/braid-auth, readOnly: true}
        {{- end }}
  volumes:
    - name: etc
      projected:
        defaultMode: 0444
        sources:
          - configMap:
              name: {{ $fullname }}-config
              items:
                - {key: {{ ternary "scraper.yaml" "braid.yaml" .scraper }}, path: braid.yaml}
          - configMap:
              name: {{ $fullname }}-alerts
              {{- $alerts := $root.Files.Glob "files/alerts/*.yaml" }}
              {{- $templates := $root.Files.Glob "files/alerts/templates/*.tmpl" }}
              {{- if or $alerts $templates }}
              items:
                {{- range $path, $_ := $alerts }}
                - {key: {{ base $path }}, path: alerts/{{ base $path }}}
                {{- end }}
                {{- range $path, $_ := $templates }}
                - {key: {{ base $path }}, path: alerts/templates/{{ base $path }}}
                {{- end }}
              {{- end }}
          - configMap:
              name: {{ $fullname }}-collectors
              items:
                - {key: scrape.yml, path: collectors/scrape.yml}
          {{- if and $root.Values.kafka.tls.enabled $root.Values.kafka.tls.existingSecret }}
          - secret:
              name: {{ $root.Values.kafka.tls.existingSecret }}
              optional: true
              items:
                {{- range list "ca.crt" "tls.crt" "tls.key" }}
                - {key: {{ . }}, path: tls/kafka/{{ . }}}
                {{- end }}
          {{- end }}
          {{- with $root.Values.elasticsearch.tls.existingSecret }}
          - secret:
              name: {{ . }}
              items:
                - {key: ca.crt, path: tls/elasticsearch/ca.crt}
          {{- end }}
    - name: tmp
      emptyDir: {sizeLimit: 256Mi}
    {{- with include "braid.authSecret" $root }}
    - name: auth
      secret:
        secretName: {{ . }}
        defaultMode: 0444
        items:
          - {key: tokens, path: tokens}
          {{- if include "braid.scrapeAuth" $root }}
          - {key: scrape-token, path: scrape-token}
          {{- end }}
    {{- end }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  topologySpreadConstraints:
    {{- if $v.topologySpreadConstraints }}
    {{- toYaml $v.topologySpreadConstraints | nindent 4 }}
    {{- else }}
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "braid.selectorLabels" $selector | nindent 10 }}
    {{- end }}
{{- end -}}
