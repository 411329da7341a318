{{/*
Helpers of the monitoring objects (ServiceMonitor, PodMonitor, PrometheusRule). Renders nothing.
*/}}

{{/*
"true" when monitoring.coreos.com/v1 objects may render: the cluster (or `helm template
--api-versions monitoring.coreos.com/v1`) has prometheus-operator's API. Without it, fails with
the fix, or renders nothing when monitoring.whenCRDsMissing=skip. Called with (list $ "field").
*/}}
{{- define "fog-compute.monitoringAPI" -}}
{{- $root := index . 0 }}
{{- if $root.Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}true
{{- else if eq $root.Values.monitoring.whenCRDsMissing "fail" }}
{{- fail (printf "%s=true needs the monitoring.coreos.com/v1 API (prometheus-operator's CRDs), which this cluster lacks: install prometheus-operator (or kube-prometheus-stack) first, pass --api-versions monitoring.coreos.com/v1 to helm template, or set monitoring.whenCRDsMissing=skip" (index . 1)) }}
{{- end }}
{{- end }}

{{/* The PromQL matchers of the operator's own series: its scrape job and namespace. */}}
{{- define "fog-compute.operatorSeries" -}}
job="{{ include "fog-compute.fullname" . }}-metrics", namespace="{{ .Release.Namespace }}"
{{- end }}
