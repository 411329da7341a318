{{/* The Secret holding the ledger's DSN: the user's, else the bundled PostgreSQL's, else none. */}}
{{- define "fog-compute.ledgerSecret" -}}
{{- $db := .Values.economics.database }}
{{- if $db.existingSecret }}{{ $db.existingSecret }}
{{- else if $db.bundled.enabled }}{{ include "fog-compute.fullname" . }}-ledger-postgres
{{- end }}
{{- end }}

{{/* Key of the DSN in that Secret. */}}
{{- define "fog-compute.ledgerSecretKey" -}}
{{- if .Values.economics.database.existingSecret }}{{ .Values.economics.database.secretKey }}{{ else }}dsn{{ end }}
{{- end }}

{{/* Genesis balances as FOG_ECONOMICS_GENESIS wants them: account=amount,... (sorted). */}}
{{- define "fog-compute.genesis" -}}
{{- $items := list }}
{{- range $account, $amount := .Values.economics.genesis }}
{{- $items = append $items (printf "%s=%d" $account (int64 $amount)) }}
{{- end }}
{{- join "," $items }}
{{- end }}
