{{/* Names and labels. */}}
{{- define "ippo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ippo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ippo.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ippo.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ippo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{ default (include "ippo.fullname" .) .Values.serviceAccount.name }}
{{- else -}}
{{ default "default" .Values.serviceAccount.name }}
{{- end -}}
{{- end -}}

{{/* secretEnv NAME REF: an env entry from a Secret; an empty name leaves it out. */}}
{{- define "ippo.secretEnv" -}}
{{- if .ref.name }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .ref.name }}
      key: {{ .ref.key }}
{{- end }}
{{- end -}}

{{/* The environment every ippo process shares. */}}
{{- define "ippo.env" -}}
- name: IPPO_HTTP_ADDR
  value: ":8080"
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: IPPO_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: IPPO_TEMPORAL_UI_ORIGIN
  value: {{ .Values.temporal.uiOrigin | quote }}
- name: IPPO_PUBLIC_URL
  value: {{ .Values.config.publicURL | quote }}
- name: IPPO_LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: IPPO_TRUSTED_PROXIES
  value: {{ .Values.config.trustedProxies | quote }}
- name: IPPO_MAIL_FROM
  value: {{ .Values.config.mailFrom | quote }}
- name: IPPO_MAIL_FROM_NAME
  value: {{ .Values.config.mailFromName | quote }}
- name: IPPO_MAIL_REPLY_TO
  value: {{ .Values.config.mailReplyTo | quote }}
- name: SENDGRID_API_HOST
  value: {{ .Values.config.sendgridAPIHost | quote }}
{{- $_ := required "secrets.databaseURL.name: the Secret holding DATABASE_URL" .Values.secrets.databaseURL.name }}
{{- $_ := required "secrets.linkSecret.name: the Secret holding IPPO_LINK_SECRET (every pod must sign links alike)" .Values.secrets.linkSecret.name }}
{{- $_ := required "secrets.payloadKeys.name: the Secret holding IPPO_PAYLOAD_KEYS (payloads reach Temporal encrypted)" .Values.secrets.payloadKeys.name }}
{{- include "ippo.secretEnv" (dict "name" "DATABASE_URL" "ref" .Values.secrets.databaseURL) }}
{{- include "ippo.secretEnv" (dict "name" "IPPO_LINK_SECRET" "ref" .Values.secrets.linkSecret) }}
{{- include "ippo.secretEnv" (dict "name" "IPPO_PAYLOAD_KEYS" "ref" .Values.secrets.payloadKeys) }}
{{- include "ippo.secretEnv" (dict "name" "SENDGRID_API_KEY" "ref" .Values.secrets.sendgridAPIKey) }}
{{- include "ippo.secretEnv" (dict "name" "SENDGRID_WEBHOOK_PUBLIC_KEY" "ref" .Values.secrets.sendgridWebhookKey) }}
{{- include "ippo.secretEnv" (dict "name" "IPPO_BOOTSTRAP_ADMIN_TOKEN" "ref" .Values.secrets.bootstrapAdminToken) }}
{{- end -}}

{{/* Probes: /healthz while the process lives, /readyz when PostgreSQL and Temporal answer. */}}
{{- define "ippo.probes" -}}
livenessProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: http }
  periodSeconds: 5
  timeoutSeconds: 5
  failureThreshold: 2
startupProbe:
  httpGet: { path: /healthz, port: http }
  periodSeconds: 2
  failureThreshold: 30
{{- end -}}
