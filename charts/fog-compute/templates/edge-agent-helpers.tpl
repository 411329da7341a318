{{/*
Names of the edge agent's objects. This file renders nothing; it only defines helpers.
*/}}

{{- define "fog-compute.edgeAgent.name" -}}
{{- printf "%s-edge-agent" (include "fog-compute.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Cluster-scoped names carry the namespace, so two releases never clash. */}}
{{- define "fog-compute.edgeAgent.clusterName" -}}
{{- printf "%s-edge-agent" (include "fog-compute.clusterName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fog-compute.edgeAgent.serviceAccountName" -}}
{{- default (include "fog-compute.edgeAgent.name" .) .Values.edgeAgent.serviceAccount.name }}
{{- end }}

{{/* Labels that select the agent's pods; never change them after a release exists. */}}
{{- define "fog-compute.edgeAgent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fog-compute.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: edge-agent
{{- end }}

{{- define "fog-compute.edgeAgent.labels" -}}
helm.sh/chart: {{ include "fog-compute.chart" . }}
{{ include "fog-compute.edgeAgent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: fog-compute
{{- end }}

{{- define "fog-compute.edgeAgent.image" -}}
{{- $img := .Values.edgeAgent.image }}
{{- if $img.digest }}
{{- printf "%s@%s" $img.repository $img.digest }}
{{- else }}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}
