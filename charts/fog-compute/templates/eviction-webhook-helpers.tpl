{{- /* Names shared by the eviction webhook's template and the operator's Deployment env. */ -}}
{{- define "fog-compute.evictionWebhook.enabled" -}}
{{- if and .Values.edgeAgent.enabled .Values.edgeAgent.evictionWebhook.enabled }}true{{ end }}
{{- end }}

{{- define "fog-compute.evictionWebhook.configurationName" -}}
{{- printf "%s-eviction" (include "fog-compute.edgeAgent.clusterName" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "fog-compute.evictionWebhook.serviceName" -}}
{{- printf "%s-webhook" (include "fog-compute.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
