{{/* One client-facing Service: (dict "root" $ "name" "..." "component" "collector" "ports" (list "otlpGrpc" ...)). */}}
{{- define "braid.service" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "braid.componentLabels" (dict "root" $root "component" .component) | nindent 4 }}
  {{- with $root.Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $root.Values.service.type }}
  selector:
    {{- include "braid.selectorLabels" (dict "root" $root "component" .component) | nindent 4 }}
  ports:
    {{- range .ports }}
    - name: {{ include "braid.portName" . }}
      port: {{ get $root.Values.service.ports . }}
      targetPort: {{ include "braid.portName" . }}
      protocol: TCP
      {{- if eq . "otlpGrpc" }}
      appProtocol: grpc
      {{- end }}
    {{- end }}
{{- end -}}
